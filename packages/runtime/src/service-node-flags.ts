/**
 * The Node flags every long-running service is started with (service files, the Dockerfile,
 * pnpm start). V8 sizes its young generation for throughput (up to 16 MB per semi-space);
 * a service here handles tens of intents a second, and on an 8 GB Mac mini beside the agent
 * each MB counts six times over. Two MB semi-spaces took 14 MB off every process's resident
 * memory with no measurable cost to its start; one MB saved 3 MB more but added scavenges
 * enough to slow the start by a tenth (pnpm bench --startup).
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
