import { x } from '../src/index';
it('loads', () => { expect(x.length).toBe(6); });
