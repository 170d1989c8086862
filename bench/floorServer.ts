/**
 * The latency floor of `npm run bench:service`: a fastify server in its own process that does no
 * work (GET answers {}, POST parses the JSON body and answers 202 {}), on PORT. Prints "ready".
 */
import Fastify from "fastify";

const app = Fastify({ bodyLimit: 64 * 1024 });
app.get("/floor", async () => ({}));
app.post("/floor", async (_request, reply) => reply.code(202).send({}));
app.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" }).then(
  (url) => process.stdout.write(`ready ${url}\n`),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
