/** Steps the e2e files share in the browser. */
import type { Page } from 'playwright-core';

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByTestId('language').selectOption('en');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('presence-bar').waitFor();
  await page.locator('[data-testid=connection-status][data-status=connected]').waitFor();
}
