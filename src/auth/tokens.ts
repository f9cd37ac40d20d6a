import { createHash, randomBytes } from 'node:crypto';

// One-time links (invitations, password resets): the token goes in the link, only its
// SHA-256 hash is stored, so a copy of the database opens no account.

export const newToken = () => randomBytes(32).toString('base64url');

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
