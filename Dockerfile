# One image for every service; the compose file picks the service with SERVICE.
# Node runs the TypeScript sources directly (type stripping), so there is no build step.
FROM node:24-slim AS deps
WORKDIR /app
RUN corepack enable
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/runtime/package.json packages/runtime/
COPY packages/testkit/package.json packages/testkit/
COPY services/accounts/package.json services/accounts/
COPY services/coordinator/package.json services/coordinator/
COPY services/x-executor/package.json services/x-executor/
COPY services/email-executor/package.json services/email-executor/
COPY services/calendar-executor/package.json services/calendar-executor/
COPY services/webhook-executor/package.json services/webhook-executor/
COPY services/caldav-executor/package.json services/caldav-executor/
COPY services/notify-executor/package.json services/notify-executor/
COPY services/dashboard/package.json services/dashboard/
RUN pnpm install --frozen-lockfile --prod=false

FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app /app
COPY packages packages
COPY services services
USER node
ENV SERVICE=x-executor
CMD ["sh", "-c", "exec node --max-semi-space-size=2 services/${SERVICE}/main.mjs"]
