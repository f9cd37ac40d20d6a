import * as cheerio from 'cheerio';
import type { Express } from 'express';
import request from 'supertest';
import { TEST_PASSWORD } from './factories';

export type Agent = ReturnType<typeof request.agent>;

/** The CSRF token of the first form on a page. */
export function csrfTokenIn(html: string): string {
  const token = cheerio.load(html)('input[name="_csrf"]').first().val();
  if (typeof token !== 'string' || !token) throw new Error('No CSRF token on the page');
  return token;
}

/** An agent (cookie jar) signed in as the user, through the real sign-in form. */
export async function signIn(app: Express, email: string, password = TEST_PASSWORD): Promise<Agent> {
  const agent = request.agent(app);
  const form = await agent.get('/login');
  const response = await agent
    .post('/login')
    .type('form')
    .send({ email, password, _csrf: csrfTokenIn(form.text) });
  if (response.status !== 303) throw new Error(`Sign-in failed for ${email}: ${response.status}`);
  return agent;
}

/** One sign-in attempt from a fresh browser at a network address (the test apps trust X-Forwarded-For from loopback). */
export async function attemptSignIn(app: Express, email: string, password: string, address: string) {
  const agent = request.agent(app);
  const form = await agent.get('/login');
  return agent
    .post('/login')
    .set('X-Forwarded-For', address)
    .type('form')
    .send({ email, password, _csrf: csrfTokenIn(form.text) });
}

/** Posts a form the way a browser would: with the CSRF token from the page at formUrl. */
export async function postForm(agent: Agent, formUrl: string, action: string, fields: Record<string, unknown>) {
  const page = await agent.get(formUrl);
  return agent
    .post(action)
    .type('form')
    .send({ _csrf: csrfTokenIn(page.text), ...fields });
}
