// Types for linkhub.js, the one-script-tag loader. Checked by hand against the loader.

export type LinkHubEventName =
  | 'OPEN'
  | 'SELECT_CONNECTOR'
  | 'SUBMIT'
  | 'SUCCESS'
  | 'ERROR'
  | 'SESSION_EXPIRED'
  | 'EXIT'
  /** Extension: a step of the session's onboarding plan was completed. */
  | 'STEP_COMPLETED'
  /** Extension: every required step of the onboarding plan is done. */
  | 'ONBOARDING_COMPLETED';

/** Every event carries the session id and an ISO 8601 timestamp. */
export interface LinkHubEvent {
  name: LinkHubEventName;
  session_id: string;
  timestamp: string;
  /** SELECT_CONNECTOR, SUBMIT, SUCCESS: the connector's provider key. */
  provider?: string;
  /** SUCCESS, STEP_COMPLETED: the linked account's id. */
  account_id?: string;
  /** STEP_COMPLETED: the step's index in the plan (from 0); `provider` is the account's. */
  step?: number;
  /** ONBOARDING_COMPLETED: the accounts that satisfy the plan's done steps. */
  accounts?: { id: string; provider: string }[];
  /** ERROR: a stable code and a human-readable message. */
  code?: string;
  message?: string;
}

export type LinkHubThemeMode = 'light' | 'dark' | 'system';

/**
 * A theme object. Each token is validated in the Hub; an invalid one is dropped with a
 * console warning naming it, and the default stays.
 */
export interface LinkHubTheme {
  mode?: LinkHubThemeMode;
  tokens?: {
    /** Buttons, links and accents: `#rrggbb`, `#rgb` or `rgb(r, g, b)`. The text colour on it
     *  (and the shade used for links in each scheme) is computed for WCAG AA contrast. */
    primary?: string;
    /** Corner radius: a length such as `4px` or `0.5rem` (at most 32px). */
    radius?: string;
    /** Font family list, e.g. `Inter, "Noto Sans"` (the fonts must already be available). */
    font?: string;
    /** Base spacing unit: `2px` to `16px` (default `8px`). */
    spacing?: string;
  };
}

/** The host's brand, shown instead of linkhub's in the Hub's header. */
export interface LinkHubBrand {
  /** The host's name (at most 80 characters); also the logo's text alternative. */
  name: string;
  /** An `https:` URL or a base64 `data:image/...` URL; shown only with `name`. */
  logo?: string;
}

export interface LinkHubOptions {
  /** The connect-session token from `POST /connect_sessions` (required). */
  token: string;
  /** Base URL of the Hub; defaults to the origin the loader script came from. */
  hubUrl?: string;
  /**
   * Base URL of the StackOne-style API the Hub calls (StackOne's own prop name), e.g.
   * `https://api.example.com`; default: the Hub's own origin. An absolute `https:` URL, or
   * `http:` on a loopback host (`localhost`, `127.x.x.x`, `[::1]`), without credentials,
   * query or fragment; anything else makes `open`/`mount` throw. The session token and the
   * credentials the user types are sent there only. The Hub may reach only the backends its
   * Content-Security-Policy lists (`connect-src`; the reference server's `--api-origin`):
   * for any other it shows a "not allowed" screen and sends nothing.
   */
  baseUrl?: string;
  /** Called once an account is linked. */
  onSuccess?: (account: { accountId: string; provider: string }, event: LinkHubEvent) => void;
  /** Called when the Hub is closed by the user or by `close()`. */
  onClose?: () => void;
  /** Every event, in the manner of Plaid Link. */
  onEvent?: (event: LinkHubEvent) => void;
  theme?: LinkHubThemeMode | LinkHubTheme;
  brand?: LinkHubBrand;
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
