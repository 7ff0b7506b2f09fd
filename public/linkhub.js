// linkhub loader: adds the Hub to a host page with one script tag.
//
//   <script src="https://hub.example.com/linkhub.js"></script>
//   const hub = LinkHub.open({ token, hubUrl: 'https://hub.example.com', onSuccess, onClose });
//
// `baseUrl` (StackOne's prop name) names the StackOne-style API the Hub calls; without it the
// Hub calls the origin it is served from. Options also carry `theme` ('light' | 'dark' | 'system' | { mode, tokens: { primary, radius,
// font, spacing } }) and `brand` ({ name, logo }); the Hub validates them (linkhub.d.ts, README).
//
// The Hub runs in an iframe from its own origin, so the host page's scripts never see the
// credentials a user types. The session token is not put in the iframe URL: the Hub posts
// `ready`, and the loader answers with the token and options. Every message names its exact
// target origin, and every receiver checks origin, source and shape, ignoring anything else.
(() => {
  'use strict';
  if (window.LinkHub && window.LinkHub.version) return; // loaded twice: keep the first

  const SOURCE = 'linkhub';
  const EVENTS = ['OPEN', 'SELECT_CONNECTOR', 'SUBMIT', 'SUCCESS', 'ERROR', 'SESSION_EXPIRED', 'EXIT',
    'STEP_COMPLETED', 'ONBOARDING_COMPLETED'];
  let modal = null; // the one open modal handle, so opening twice does not make two hubs
  const mounted = new WeakMap(); // element -> inline handle, so mounting twice replaces

  // The frame's title and the close button's name, in the Hub's languages (the Hub itself
  // translates everything inside the frame). Same choice as the Hub: the locale option, else
  // the browser's languages, by primary subtag, else English.
  const LABELS = {
    en: ['Connect an account', 'Close'], fr: ['Connecter un compte', 'Fermer'],
    de: ['Konto verbinden', 'Schließen'], es: ['Conectar una cuenta', 'Cerrar'],
    ja: ['アカウントを接続', '閉じる'], ar: ['ربط حساب', 'إغلاق'],
  };
  const labels = (locale) => {
    const tags = [locale, ...(navigator.languages || [navigator.language])];
    const found = tags.map((t) => String(t || '').split(/[-_]/)[0].toLowerCase()).find((t) => Object.hasOwn(LABELS, t));
    return LABELS[found || 'en'];
  };

  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const fn = (v) => (typeof v === 'function' ? v : () => {});

  function hubOrigin(hubUrl) {
    let u;
    try { u = new URL(hubUrl || document.currentScript?.src || '', location.href); } catch (_) { u = null; }
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) throw new Error('LinkHub: hubUrl must be an http(s) URL');
    return { origin: u.origin, base: u.href.replace(/\/+$/, '') };
  }

  // The API base a host names: an absolute https: URL, or http: on a loopback host, with no
  // credentials, query or fragment (the Hub checks it again, and its Content-Security-Policy
  // decides which backends it may reach). Anything else throws here, before a frame exists.
  function apiBase(baseUrl) {
    if (baseUrl === undefined || baseUrl === null || baseUrl === '') return undefined;
    let u = null;
    if (typeof baseUrl === 'string' && /^https?:\/\//i.test(baseUrl.trim())) {
      try { u = new URL(baseUrl.trim()); } catch (_) { u = null; }
    }
    const h = u ? u.hostname : '';
    const loopback = h === 'localhost' || h.endsWith('.localhost') || h === '[::1]' || /^127(\.\d{1,3}){3}$/.test(h);
    if (!u || u.username || u.password || u.search || u.hash || !(u.protocol === 'https:' || (u.protocol === 'http:' && loopback))) {
      throw new Error('LinkHub: baseUrl must be an https: URL (http: only on a loopback host) without credentials, query or fragment');
    }
    return u.origin + u.pathname.replace(/\/+$/, '');
  }

  function create(options, container) {
    if (!isObj(options) || typeof options.token !== 'string' || !options.token) {
      throw new Error('LinkHub: options.token (the connect-session token) is required');
    }
    const hub = hubOrigin(options.hubUrl);
    const baseUrl = apiBase(options.baseUrl);
    const onEvent = fn(options.onEvent);
    const onSuccess = fn(options.onSuccess);
    const onClose = fn(options.onClose);
    const doc = document;
    const iframe = doc.createElement('iframe');
    iframe.src = `${hub.base}/embed#origin=${encodeURIComponent(location.origin)}`;
    const [defaultTitle, defaultClose] = labels(options.locale);
    iframe.title = options.title || defaultTitle;
    iframe.className = 'linkhub-frame';
    iframe.setAttribute('allow', 'clipboard-write');
    iframe.referrerPolicy = 'no-referrer';
    iframe.style.cssText = 'border:0;width:100%;height:100%;display:block;background:transparent';

    let root = null;
    let previousFocus = null;
    let previousOverflow = '';
    let closed = false;
    let destroyed = false;
    let narrow = null; // the modal's narrow-screen media query, and its listener
    let fit = null;

    const send = (msg) => {
      if (iframe.contentWindow) iframe.contentWindow.postMessage({ source: SOURCE, ...msg }, hub.origin);
    };

    function onMessage(event) {
      if (event.origin !== hub.origin || event.source !== iframe.contentWindow) return;
      const data = event.data;
      if (!isObj(data) || data.source !== SOURCE || typeof data.type !== 'string') return;
      if (data.type === 'ready') {
        send({
          type: 'init',
          token: options.token,
          options: {
            theme: options.theme, brand: options.brand, locale: options.locale, scopes: options.scopes,
            whitelabel: !!options.whitelabel, mode: container ? 'inline' : 'modal', baseUrl,
          },
        });
      } else if (data.type === 'event' && isObj(data.event) && EVENTS.includes(data.event.name)) {
        const ev = { ...data.event };
        onEvent(ev);
        if (ev.name === 'SUCCESS') onSuccess({ accountId: ev.account_id, provider: ev.provider }, ev);
        if (ev.name === 'EXIT') handle.close();
      } else if (data.type === 'close') {
        handle.close();
      }
    }

    function onKey(event) {
      if (!root || container) return;
      if (event.key === 'Escape') { event.preventDefault(); handle.close(); return; }
      if (event.key !== 'Tab') return;
      // Keep focus inside the dialog: the close button and the frame.
      const items = [root.querySelector('.linkhub-close'), iframe];
      const i = items.indexOf(doc.activeElement);
      if (i === -1 || (event.shiftKey && i === 0) || (!event.shiftKey && i === items.length - 1)) {
        event.preventDefault();
        items[event.shiftKey ? items.length - 1 : 0].focus();
      }
    }

    const handle = {
      close() {
        if (closed || destroyed) return;
        closed = true;
        handle.destroy();
        onClose();
      },
      destroy() {
        if (destroyed) return;
        destroyed = true;
        window.removeEventListener('message', onMessage);
        doc.removeEventListener('keydown', onKey, true);
        if (root) root.remove();
        if (narrow && fit) narrow.removeEventListener('change', fit);
        if (!container) {
          doc.documentElement.style.overflow = previousOverflow;
          if (previousFocus && typeof previousFocus.focus === 'function') previousFocus.focus();
          if (modal === handle) modal = null;
        }
      },
    };

    window.addEventListener('message', onMessage);
    if (container) {
      root = doc.createElement('div');
      root.className = 'linkhub-inline';
      root.style.cssText = 'width:100%;height:100%;min-height:560px';
      root.appendChild(iframe);
      container.appendChild(root);
    } else {
      previousFocus = doc.activeElement;
      previousOverflow = doc.documentElement.style.overflow;
      doc.documentElement.style.overflow = 'hidden';
      root = doc.createElement('div');
      root.className = 'linkhub-modal';
      root.style.cssText = 'position:fixed;inset:0;z-index:2147483000;display:flex;align-items:center;justify-content:center;background:rgba(15,18,24,.55)';
      const dialog = doc.createElement('div');
      dialog.setAttribute('role', 'dialog');
      dialog.setAttribute('aria-modal', 'true');
      dialog.setAttribute('aria-label', iframe.title);
      dialog.style.cssText = 'position:relative;overflow:hidden;background:Canvas;box-shadow:0 20px 60px rgba(0,0,0,.35)';
      // Below 480 CSS px the dialog is the whole screen (no margin, no rounded corners).
      narrow = window.matchMedia ? window.matchMedia('(max-width: 480px)') : null;
      fit = () => {
        const full = !!(narrow && narrow.matches);
        dialog.style.width = full ? '100vw' : 'min(720px,calc(100vw - 32px))';
        dialog.style.height = full ? '100dvh' : 'min(760px,calc(100dvh - 32px))';
        dialog.style.borderRadius = full ? '0' : '12px';
      };
      fit();
      if (narrow) narrow.addEventListener('change', fit);
      const close = doc.createElement('button');
      close.type = 'button';
      close.className = 'linkhub-close';
      close.setAttribute('aria-label', options.closeLabel || defaultClose);
      close.textContent = '\u00d7';
      close.style.cssText = 'position:absolute;top:8px;inset-inline-end:8px;z-index:1;width:36px;height:36px;border-radius:18px;border:1px solid #d5d9e0;background:#fff;color:#1b1f24;font:24px/1 system-ui;cursor:pointer';
      close.addEventListener('click', () => handle.close());
      root.addEventListener('click', (e) => { if (e.target === root) handle.close(); });
      dialog.append(close, iframe);
      root.appendChild(dialog);
      doc.body.appendChild(root);
      doc.addEventListener('keydown', onKey, true);
      iframe.focus();
      modal = handle;
    }
    return handle;
  }

  window.LinkHub = Object.freeze({
    version: '0.1.0',
    /** Shows the Hub as a modal dialog. Opening while one is open returns the open one. */
    open(options) { return modal || create(options, null); },
    /** Shows the Hub inline inside `element`, replacing any Hub already mounted there. */
    mount(element, options) {
      if (!(element instanceof Element)) throw new Error('LinkHub.mount: element must be a DOM element');
      const previous = mounted.get(element);
      if (previous) previous.destroy();
      const handle = create(options, element);
      mounted.set(element, handle);
      return handle;
    },
  });
})();
