import { expect, type Locator, type Page } from '@playwright/test';

/** Waits until a run is built and its first evaluation is on screen (Play enabled). */
export async function waitForRun(page: Page, timeout = 120_000): Promise<void> {
  await expect(page.locator('.notice.loading')).toHaveCount(0, { timeout });
  await expect(page.getByRole('button', { name: /^(Play|Pause)$/ })).toBeEnabled({ timeout });
}

export async function openPlayground(page: Page, query = ''): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`./${query}`);
  await waitForRun(page);
}

/** Opens the page at a link with settings it must change, and checks the "Link settings changed" notice says each of `says`; returns the notice. */
export async function openWithLinkNotice(page: Page, query: string, says: readonly string[]): Promise<Locator> {
  await openPlayground(page, query);
  const notice = page.getByRole('status', { name: 'Link settings changed' });
  for (const text of says) await expect(notice).toContainText(text);
  return notice;
}

export async function longestLongTask(page: Page): Promise<{ count: number; longestMs: number }> {
  return page.evaluate(() => {
    const tasks = (window as unknown as { longTasks: number[] }).longTasks;
    return { count: tasks.length, longestMs: Math.max(0, ...tasks) };
  });
}

export const stepCount = async (page: Page) => Number((await page.getByTestId('status-step').textContent())!.replace(/\D/g, ''));

export async function trainableCount(page: Page): Promise<number> {
  const text = await page.getByTestId('param-counts').locator('strong').textContent();
  return Number(text!.replace(/,/g, ''));
}

/** Opens one of the secondary panels behind the top bar's tabs (components/panels.tsx), unless it is open. */
export async function openPanel(page: Page, tab: string): Promise<void> {
  const button = page.getByRole('tab', { name: tab, exact: true });
  if ((await button.getAttribute('aria-selected')) !== 'true') await button.click();
  await expect(page.getByRole('tabpanel', { name: tab, exact: true })).toBeVisible();
}
