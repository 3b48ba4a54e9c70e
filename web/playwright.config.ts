// Browser tests: Debian's Chromium (never a downloaded browser) against the
// real yaolian binary, which e2e/server.ts starts on a scratch SQLite
// database with the demo county.
import { defineConfig } from '@playwright/test'

export default defineConfig({
  testDir: './e2e',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  globalSetup: './e2e/server.ts',
  grepInvert: process.env.YAOLIAN_BENCH ? undefined : /@bench/,
  grep: process.env.YAOLIAN_BENCH ? /@bench/ : undefined,
  use: {
    baseURL: process.env.YAOLIAN_URL,
    testIdAttribute: 'data-test',
    viewport: { width: 1024, height: 768 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    },
  },
})
