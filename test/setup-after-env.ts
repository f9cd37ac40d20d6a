import { closeTestStores } from './helpers/app';

afterAll(() => closeTestStores());
