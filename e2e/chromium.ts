/**
 * How the e2e suite (playwright.config.ts) and scripts/measure-page-speed.ts launch Chromium: Debian's
 * package (or CHROMIUM_PATH), WebGPU on (SwiftShader where there is no GPU), no background network.
 */
export const CHROMIUM_LAUNCH = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
  ],
};
