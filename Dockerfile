# PartyFlow production image: the compiled application (no TypeScript loader), one image for every role.
#   docker build -t partyflow .
#   docker run … partyflow node dist/apps/main.js --role api|worker|all
# PostgreSQL and Redis are external (DATABASE_URL, REDIS_URL); see compose.yaml and docs/operations.md.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# V8's heap limit, as `npm start` sets it: with the default limit of a large host V8 lets the old generation grow
# to four times what is alive before collecting it (the API's RSS passed 300 MB at 100 000 open cases); why 1 GB:
# scripts/provision/node-options.js. A NODE_OPTIONS of the deployment's own replaces this one.
ENV NODE_OPTIONS=--max-old-space-size=1024
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/config ./config
USER node
EXPOSE 3000
# liveness: the process answers; readiness (PostgreSQL reachable) is /health/ready
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/main.js", "--role", "all"]
