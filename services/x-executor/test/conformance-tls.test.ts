import { conformanceSuite } from '@agent-ops/testkit/conformance';
import { xTarget } from './conformance-target.ts';

// Between the two minis Redis is reached over TLS only: the same promises, SIGKILLs and paused
// writes included, with every connection (the executor's, BullMQ's, the test's) on rediss://.
conformanceSuite(xTarget, { tls: true });
