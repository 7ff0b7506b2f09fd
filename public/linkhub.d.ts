// Types for linkhub.js, the one-script-tag loader. Checked by hand against the loader.

export type LinkHubEventName =
  | 'OPEN'
  | 'SELECT_CONNECTOR'
  | 'SUBMIT'
  | 'SUCCESS'
  | 'ERROR'
  | 'SESSION_EXPIRED'
  | 'EXIT';

/** Every event carries the session id and an ISO 8601 timestamp. */
export interface LinkHubEvent {
  name: LinkHubEventName;
  session_id: string;
  timestamp: string;
  /** SELECT_CONNECTOR, SUBMIT, SUCCESS: the connector's provider key. */
  provider?: string;
  /** SUCCESS: the linked account's id. */
  account_id?: string;
  /** ERROR: a stable code and a human-readable message. */
  code?: string;
  message?: string;
}

export interface LinkHubTheme {
  [token: string]: string;
}

export interface LinkHubOptions {
  /** The connect-session token from `POST /connect_sessions` (required). */
  token: string;
  /** Base URL of the Hub; defaults to the origin the loader script came from. */
  hubUrl?: string;
  /** Called once an account is linked. */
  onSuccess?: (account: { accountId: string; provider: string }, event: LinkHubEvent) => void;
  /** Called when the Hub is closed by the user or by `close()`. */
  onClose?: () => void;
  /** Every event, in the manner of Plaid Link. */
  onEvent?: (event: LinkHubEvent) => void;
  theme?: 'light' | 'dark' | 'system' | LinkHubTheme;
  /** `en`, `fr`, `de`, `es`, `ja` or `ar` (`de-AT` counts as `de`); default: the browser's languages, else English. An unknown value is ignored. */
  locale?: string;
  /** Scopes the host needs; guides show only the sections these need. */
  scopes?: string[];
  /** Hide linkhub branding and white-label-hidden guide sections. */
  whitelabel?: boolean;
  /** Accessible name of the dialog and frame (default "Connect an account", in the hub's language). */
  title?: string;
  /** Accessible name of the modal's close button (default "Close", in the hub's language). */
  closeLabel?: string;
}

export interface LinkHubHandle {
  /** Closes the Hub and calls `onClose`. */
  close(): void;
  /** Removes the Hub and its listeners without calling `onClose`. */
  destroy(): void;
}

export interface LinkHubStatic {
  readonly version: string;
  /** Shows the Hub as a modal; while one is open, returns that one. */
  open(options: LinkHubOptions): LinkHubHandle;
  /** Shows the Hub inline in `element`, replacing a Hub already mounted there. */
  mount(element: Element, options: LinkHubOptions): LinkHubHandle;
}

declare global {
  interface Window {
    LinkHub: LinkHubStatic;
  }
}
