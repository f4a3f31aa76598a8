import type { Detector } from '../span.js';
import { longBase64Detector } from './base64.js';
import { credentialDetectors } from './credentials.js';
import { emailDetector } from './email.js';
import { keyValueDetector } from './key-values.js';
import { networkDetector } from './network.js';
import { ibanDetector, numberDetector } from './numbers.js';
import { privateKeyDetector } from './pem.js';
import { redisDetectors } from './redis.js';
import { cloudTokenDetectors, prefixedTokenDetectors, vendorPrefixDetectors } from './vendors.js';

/**
 * The built-in value detectors, one family per module. Overlaps are resolved afterwards; the order
 * only breaks ties between spans of equal extent and priority, and stays as it is.
 */
export function builtinDetectors(): Detector[] {
  return [
    ...vendorPrefixDetectors(),
    longBase64Detector(),
    ...cloudTokenDetectors(),
    ...prefixedTokenDetectors(),
    ...credentialDetectors(),
    ...redisDetectors(),
    privateKeyDetector(),
    emailDetector(),
    numberDetector(),
    ibanDetector(),
    networkDetector(),
    keyValueDetector(),
  ];
}
