import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

type ReceivedMail = ParsedMail & { over: { secure: boolean; user: string | undefined } };

/**
 * A real SMTP server on a free port that keeps what it receives. It offers STARTTLS
 * (with smtp-server's own self-signed certificate) and wants a user name and password.
 */
export async function startSmtpServer() {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.password === 'secret') callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(Object.assign(mail, { over: { secure: session.secure, user: session.user as string | undefined } }));
          callback();
        },
        (error: unknown) => {
          callback(error instanceof Error ? error : new Error(String(error)));
        },
      );
    },
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    received,
    /** The SMTP_URL for it; its certificate is self-signed, so it is not verified. */
    url: `smtp://tracker:secret@127.0.0.1:${port}/?tls.rejectUnauthorized=false`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}
