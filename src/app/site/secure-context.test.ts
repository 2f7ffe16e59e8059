import { describe, expect, it } from 'vitest';
import { insecureContextMessage } from './secure-context';

describe('insecureContextMessage', () => {
  it('says nothing in a secure context', () => {
    expect(insecureContextMessage({ isSecureContext: true, protocol: 'https:', host: 'workshop.test:8443' })).toBeNull();
    expect(insecureContextMessage({ isSecureContext: true, protocol: 'http:', host: 'localhost:5173' })).toBeNull();
  });

  it('names the address, why WebGPU is off, and what to do', () => {
    expect(insecureContextMessage({ isSecureContext: false, protocol: 'http:', host: '192.168.1.20:5173' })).toBe(
      "WebGPU is off: browsers allow it only on secure pages, and http://192.168.1.20:5173 is not one. For WebGPU open this site's https:// address (a workshop's `npm run serve:lan` prints it) or localhost; until then training runs on the slower fallback.",
    );
  });
});
