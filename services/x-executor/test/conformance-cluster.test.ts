import { conformanceSuite } from '@agent-ops/testkit/conformance';
import { xTarget } from './conformance-target.ts';

// Every key a script touches carries the channel's hash tag, so the runtime runs unchanged on a
// Redis Cluster: the same promises, against three masters made with redis-cli --cluster create.
conformanceSuite(xTarget, { cluster: true });
