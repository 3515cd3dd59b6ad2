FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENV NODE_ENV=production
# A young generation of up to 64 MB: the bot allocates ~90 KB a chat message, and with the default 16 MB it
# stopped for a scavenge ~5 times a second at 800 messages/s (README, "Performance").
ENV NODE_OPTIONS=--max-semi-space-size=64
USER node
CMD ["node", "bin/kinerja.js", "bot"]
