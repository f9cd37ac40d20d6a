import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session, { type SessionData } from 'express-session';
import { z } from 'zod';
import { handleForm } from '../src/web/forms';

// A saved form goes on with a message for the next page ("Saved."), kept in the session.
// express-session sends a response's headers before it saves a changed session (it holds
// back only the last byte of the body), and a browser follows a 303 as soon as it has the
// headers: under load the next page read the session from before the message, and the
// browser tests lost "Saved." twice. The redirect must leave only once the session is saved.

describe('a form’s redirect', () => {
  it('is sent only once the session holding its message is saved', async () => {
    const store = new session.MemoryStore();
    const saves: string[] = [];
    const set = store.set.bind(store);
    // A slow store, as a busy database is.
    store.set = (sid, data, callback) => {
      setTimeout(() => {
        set(sid, data, (error) => {
          // The store's type says every field is there; a session holds only what was put in it.
          saves.push((data as Partial<SessionData>).flash?.text ?? '');
          callback?.(error);
        });
      }, 150);
    };
    const app = express();
    app.use(express.urlencoded({ extended: true }));
    app.use(session({ store, secret: 'a test secret', resave: false, saveUninitialized: false }));
    app.post(
      '/form',
      handleForm({
        form: () => 'form',
        schema: z.object({}),
        run: () => Promise.resolve(null),
        redisplay: (_req, res, status) => res.sendStatus(status),
        done: () => ({ url: '/next', flash: { kind: 'success', text: 'msg.saved' } }),
      }),
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      // What the store held when the redirect's headers arrived.
      const savedWhenHeadersCame = await new Promise<{ status: number | undefined; saves: string[] }>((resolve, reject) => {
        const request = http.request(
          { host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/form', method: 'POST' },
          (response) => {
            resolve({ status: response.statusCode, saves: [...saves] });
            response.resume();
          },
        );
        request.on('error', reject);
        request.setHeader('content-type', 'application/x-www-form-urlencoded');
        request.end('');
      });
      expect(savedWhenHeadersCame).toEqual({ status: 303, saves: ['msg.saved'] });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
