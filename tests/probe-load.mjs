import { startServer, createSession, launchBrowser } from './e2e/support.mjs';
const server = await startServer();
const browser = await launchBrowser();
try {
  for (let i = 0; i < 4; i++) {
    const s = await createSession(server, { origin_owner_id: `p${i}` });
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await page.goto(s.auth_link_url, { waitUntil: 'commit' });
    await page.waitForSelector('.lh-connector__name');
    const t = await page.evaluate(() => {
      const r = performance.getEntriesByType('resource').map((e) => `${e.name.replace(/^https?:\/\/[^/]+/, '').slice(0, 50).padEnd(50)} start ${e.startTime.toFixed(0).padStart(4)} reqStart ${e.requestStart.toFixed(0).padStart(4)} end ${e.responseEnd.toFixed(0).padStart(4)}`);
      const n = performance.getEntriesByType('navigation')[0];
      return [`nav responseEnd ${n.responseEnd.toFixed(0)} domInteractive ${n.domInteractive.toFixed(0)} dcl ${n.domContentLoadedEventEnd.toFixed(0)} now ${performance.now().toFixed(0)}`, ...r].join('\n');
    });
    console.log(t, '\n');
    await context.close();
  }
} finally { await browser.close(); await server.stop(); }
