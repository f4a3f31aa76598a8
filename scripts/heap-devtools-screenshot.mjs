// Screenshot of a .heapsnapshot opened in the DevTools frontend bundled with Debian's Chromium (offline):
// node scripts/heap-devtools-screenshot.mjs FILE.heapsnapshot OUT.png "[PASSWORD"
import { chromium } from 'playwright-core';
const port = 9339;
const file = process.argv[2];
const out = process.argv[3];
const filter = process.argv[4] ?? 'Object';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', `--remote-debugging-port=${port}`, '--remote-allow-origins=*'],
  headless: true,
});
const ctx = await browser.newContext({ viewport: { width: 1500, height: 900 } });
const target = await ctx.newPage();
await target.goto('about:blank');
const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
const id = list.find((t) => t.type === 'page' && t.url === 'about:blank').id;
const page = await ctx.newPage();
await page.goto(
  `devtools://devtools/bundled/devtools_app.html?ws=127.0.0.1:${port}/devtools/page/${id}&panel=heap-profiler`,
);
await page.waitForTimeout(4000);
await page
  .getByText('Memory', { exact: true })
  .first()
  .click()
  .catch(() => {});
await page.waitForTimeout(1500);
const chooser = page.waitForEvent('filechooser', { timeout: 15000 });
await page
  .getByRole('button', { name: /Load profile/i })
  .first()
  .click();
await (await chooser).setFiles(file);
await page.waitForTimeout(8000);
await page
  .getByText(
    new RegExp(
      '^' +
        file
          .split('/')
          .pop()
          .replace(/\.heapsnapshot$/, ''),
    ),
  )
  .first()
  .click()
  .catch((e) => console.log('no entry', e.message));
await page.waitForTimeout(8000);
await page.keyboard.press('Control+f');
await page.waitForTimeout(500);
await page.keyboard.type(filter);
await page.keyboard.press('Enter');
await page.waitForTimeout(8000);
await page.screenshot({ path: out });
console.log('done');
await browser.close();
