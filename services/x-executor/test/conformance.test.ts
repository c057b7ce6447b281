import { conformanceSuite } from '@agent-ops/testkit/conformance';
import { xTarget } from './conformance-target.ts';

conformanceSuite(xTarget);
