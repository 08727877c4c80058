# Tillbridge production image (Node 22). One image, two kinds of process:
#   web:    docker run ... tillbridge                 (npm start)
#   worker: docker run ... tillbridge npm run worker  (as many copies as the load needs)
# Apply migrations once per deploy, before the new version takes traffic:
#   docker run --rm -e DATABASE_URL=... tillbridge node build/db.js migrate
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
RUN groupadd --system tillbridge && useradd --system --gid tillbridge --home /app tillbridge
COPY --from=build --chown=tillbridge:tillbridge /app/package.json /app/package-lock.json ./
COPY --from=build --chown=tillbridge:tillbridge /app/node_modules ./node_modules
COPY --from=build --chown=tillbridge:tillbridge /app/build ./build
COPY --from=build --chown=tillbridge:tillbridge /app/prisma ./prisma
USER tillbridge
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "build/main.js", "web"]
