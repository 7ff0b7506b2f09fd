import { startServer, createSession, launchBrowser } from '/work/main/tests/e2e/support.mjs';
const server = await startServer();
const browser = await launchBrowser();
try {
  for (let i = 0; i < 4; i++) {
  const s = await createSession(server, { origin_owner_id: 'probe'+i });
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await page.goto(s.auth_link_url, { waitUntil: 'commit' });
  await page.locator('.lh-connector__name').first().waitFor();
  await page.waitForTimeout(800);
  const t = await page.evaluate(() => new Promise((resolve) => {
    const b = [...document.querySelectorAll('.lh-connector')].find((b) => b.textContent.includes('Dagster'));
    const t0 = performance.now();
    const obs = new MutationObserver(() => {
      const inp = document.querySelector('form input:not([type=hidden])');
      if (inp && inp.getBoundingClientRect().width > 0) {
        obs.disconnect();
        const t1 = performance.now();
        const out = [`form at +${(t1 - t0).toFixed(1)}`];
        for (const r of performance.getEntriesByType('resource')) if (r.startTime >= t0 - 1) out.push(`${r.name.split('/').slice(-1)[0].padEnd(30)} start +${(r.startTime - t0).toFixed(1)} respStart +${(r.responseStart - t0).toFixed(1)} end +${(r.responseEnd - t0).toFixed(1)}`);
        resolve(out.join('\n'));
      }
    });
    obs.observe(document.body, { childList: true, subtree: true });
    b.click();
  }));
  console.log(t); console.log('---');
  await ctx.close();
  }
} finally { await browser.close(); await server.stop?.(); }
