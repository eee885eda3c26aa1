import { describe, expect, it } from 'vitest';
import { SharedImageChecks } from '../../../src/azure/image-cache.ts';
import type { ImageChecker, ImageFacts } from '../../../src/azure/ports.ts';
import { FakeClock } from '../../support/fake-clock.ts';

function setup() {
  const clock = new FakeClock();
  const asked: string[] = [];
  let answer: ImageFacts | Error = { kind: 'missing' };
  const inner: ImageChecker = {
    inspect: (id) => {
      asked.push(id);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    publish: () => Promise.resolve(),
  };
  const shared = new SharedImageChecks(inner, clock, 60_000);
  return { clock, asked, shared, answer: (a: ImageFacts | Error) => (answer = a) };
}

describe('SharedImageChecks', () => {
  it('answers every pool on one image from one read until the answer is a minute old', async () => {
    const s = setup();
    await Promise.all([s.shared.inspect('IMG', 'westeurope'), s.shared.inspect('img', 'westeurope')]);
    await s.clock.advance(59_000);
    await s.shared.inspect('img', 'westeurope');
    expect(s.asked).toEqual(['IMG']);
    await s.clock.advance(1_000);
    await s.shared.inspect('img', 'westeurope');
    expect(s.asked).toHaveLength(2);
  });

  it('reads again for another region, after a failed read, and after publishing that version', async () => {
    const s = setup();
    await s.shared.inspect('img', 'westeurope');
    await s.shared.inspect('img', 'northeurope');
    expect(s.asked).toHaveLength(2);
    s.answer(new Error('boom'));
    await expect(s.shared.inspect('other', undefined)).rejects.toThrow('boom');
    s.answer({ kind: 'missing' });
    await s.shared.inspect('other', undefined);
    expect(s.asked).toHaveLength(4);
    await s.shared.publish({ sourceImageId: 'src', versionId: 'img', region: 'westeurope' });
    await s.shared.inspect('img', 'westeurope');
    expect(s.asked).toHaveLength(5);
  });
});
