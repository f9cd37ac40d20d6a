import { closeTestApps } from './helpers/app';

afterAll(() => closeTestApps());
