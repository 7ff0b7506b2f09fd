-- The language the widget spoke when it started an OAuth attempt (its Accept-Language):
-- the result page in the popup says its message in it.
ALTER TABLE connection_attempts ADD COLUMN locale TEXT;
