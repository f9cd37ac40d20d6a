import express from 'express';

// The baseline of bench:public: the least an Express server can do per request.
const server = express()
  .get('/', (_req, res) => {
    res.send('Hello world');
  })
  .listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`running at http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/\n`);
  });
