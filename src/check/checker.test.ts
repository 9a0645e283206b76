import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkHistories, type CheckOptions } from './checker.js';
import { copyHistories, correctScenario, findRecord, NodeHistoryBuilder, syntheticRun } from './fixtures.js';
import type { HistoryRecord } from '../history/records.js';
import type { CheckReport, PropertyName } from './report.js';

const converge: CheckOptions = { requireConvergence: true };

function explain(report: CheckReport): string {
  return report.violations.map((v) => `${v.property}: ${v.message}`).join('\n') || '(no violations)';
}

function properties(report: CheckReport): PropertyName[] {
  return [...new Set(report.violations.map((v) => v.property))].sort();
}

function assertOnly(report: CheckReport, property: PropertyName): void {
  assert.equal(report.ok, false, `expected a ${property} violation`);
  assert.deepEqual(properties(report), [property], explain(report));
}

function assertIncludes(report: CheckReport, property: PropertyName): void {
  assert.ok(properties(report).includes(property), `expected ${property} among:\n${explain(report)}`);
}

/** The correct scenario, edited by `change` (histories[i] is node i+1). */
function edited(change: (h: HistoryRecord[][], ids: Record<string, string>) => void): HistoryRecord[][] {
  const { histories, ids } = correctScenario();
  const h = copyHistories(histories);
  change(h, ids);
  return h;
}

function remove(history: HistoryRecord[], match: Record<string, unknown>, from = 0): HistoryRecord {
  return history.splice(findRecord(history, match, from), 1)[0]!;
}

describe('checkHistories on a correct run', () => {
  test('partition, crash, merge, restart and stop: every property holds', () => {
    const { histories } = correctScenario();
    const report = checkHistories(histories, converge);
    assert.equal(report.ok, true, explain(report));
    assert.deepEqual(report.violations, []);
    assert.deepEqual(report.stats, { nodes: 4, incarnations: 5, configs: 40, sends: 16, deliveries: 43, messages: 16 });
  });

  test('without requireConvergence it holds too', () => {
    const report = checkHistories(correctScenario().histories);
    assert.equal(report.ok, true, explain(report));
  });

  test('no histories, empty histories', () => {
    assert.equal(checkHistories([], converge).ok, true);
    assert.equal(checkHistories([[], []], converge).ok, true);
  });
});

describe('well-formed', () => {
  test('a regular configuration without its transitional configuration', () => {
    const h = edited((h) => remove(h[2]!, { ev: 'config', kind: 'transitional', ring: '3.12' }));
    const report = checkHistories(h, converge);
    assertOnly(report, 'well-formed');
    assert.match(report.violations[0]!.message, /node 3 \(boot a3\).*regular configuration 3\.12 is not preceded by its transitional/);
  });

  test('records before the first start, and after a crash', () => {
    const h = edited((h) => {
      h[0]!.unshift({ ev: 'send', id: '1.zz:1' });
      const crash = findRecord(h[3]!, { ev: 'crash' });
      h[3]!.splice(crash + 1, 0, { ev: 'send', id: '4.a4:4' });
    });
    const report = checkHistories(h, converge);
    assertOnly(report, 'well-formed');
    assert.equal(report.violations.length, 2, explain(report));
  });

  test('a configuration that does not include the node itself', () => {
    const b = new NodeHistoryBuilder(1).start('x').change('2.4', [1], [2, 3]);
    const report = checkHistories([b.records]);
    assertIncludes(report, 'well-formed');
    assert.match(explain(report), /does not include the node itself/);
  });

  test('ring sequence must increase, and a restart must not reuse a ring id', () => {
    const b = new NodeHistoryBuilder(1).start('x').change('1.8', [1], [1]).change('1.4', [1], [1]).crash();
    b.start('y').change('1.8', [1], [1]);
    const report = checkHistories([b.records]);
    assertOnly(report, 'well-formed');
    assert.match(explain(report), /does not increase the ring sequence/);
    assert.match(explain(report), /already installed by an earlier incarnation, node 1 \(boot x\)/);
  });

  test('send counters run from 1 and ids name the sender', () => {
    const b = new NodeHistoryBuilder(1).start('x').change('1.4', [1], [1]);
    b.records.push({ ev: 'send', id: '1.x:2' }, { ev: 'send', id: '2.x:1' });
    const report = checkHistories([b.records]);
    assertOnly(report, 'well-formed');
    assert.match(explain(report), /counter 2, expected 1/);
    assert.match(explain(report), /names another process/);
  });

  test('a first transitional configuration with other members, malformed records', () => {
    const b = new NodeHistoryBuilder(1).start('x').change('1.4', [1, 2], [1, 2]);
    b.records.push({ ev: 'config', kind: 'regular', ring: 'bad', members: [1] }, { ev: 'nope' } as unknown as HistoryRecord);
    const report = checkHistories([b.records]);
    assertIncludes(report, 'well-formed');
    assert.match(explain(report), /must be just \[1\]/);
    assert.match(explain(report), /malformed ring id "bad"/);
    assert.match(explain(report), /unknown ev "nope"/);
  });
});

describe('configuration-agreement', () => {
  test('two processes install regular ring 1.16 with different members', () => {
    const h = edited((h) => {
      const i = findRecord(h[1]!, { ev: 'config', kind: 'regular', ring: '1.16' });
      h[1]![i] = { ev: 'config', kind: 'regular', ring: '1.16', members: [1, 2, 3, 5] };
    });
    const report = checkHistories(h, converge);
    assertOnly(report, 'configuration-agreement');
    assert.match(report.violations[0]!.message, /regular configuration 1\.16: node 1 \(boot a1\) installed members \[1,2,3\], node 2 \(boot a2\) installed \[1,2,3,5\]/);
  });

  test('two processes move from 1.8 to 1.16 with different transitional members', () => {
    const h = edited((h) => {
      const i = findRecord(h[1]!, { ev: 'config', kind: 'transitional', ring: '1.16' });
      h[1]![i] = { ev: 'config', kind: 'transitional', ring: '1.16', members: [2] };
    });
    const report = checkHistories(h, converge);
    assertOnly(report, 'configuration-agreement');
    assert.match(report.violations[0]!.message, /transitional configuration 1\.16 from regular 1\.8/);
  });

  test('a process listed in a transitional configuration it did not come from', () => {
    // 1 and 2 come from 1.4; 3 from its own first ring 3.2 — but 1 lists 3 as coming along.
    const n1 = new NodeHistoryBuilder(1).start('a').change('1.4', [1], [1, 2]).change('1.8', [1, 2, 3], [1, 2, 3]);
    const n2 = new NodeHistoryBuilder(2).start('b').change('1.4', [2], [1, 2]).change('1.8', [1, 2], [1, 2, 3]);
    const n3 = new NodeHistoryBuilder(3).start('c').change('3.2', [3], [3]).change('1.8', [3], [1, 2, 3]);
    const report = checkHistories([n1.records, n2.records, n3.records]);
    assertIncludes(report, 'configuration-agreement');
    assert.match(explain(report), /node 1 \(boot a\) lists node 3 in transitional configuration 1\.8 from regular 1\.4, but node 3 \(boot c\) moved into 1\.8 from regular 3\.2/);
  });
});

describe('agreed-order', () => {
  test('two processes deliver two messages in opposite orders', () => {
    const h = edited((h, ids) => {
      const i = findRecord(h[2]!, { ev: 'deliver', id: ids.m4d });
      [h[2]![i], h[2]![i + 1]] = [h[2]![i + 1]!, h[2]![i]!];
    });
    const report = checkHistories(h, converge);
    assertOnly(report, 'agreed-order');
    const v = report.violations[0]!;
    assert.match(v.message, /node 3 \(boot a3\) delivered 1\.a1:3 before 4\.b4:1/);
    assert.ok(v.ids!.includes('1.a1:3') && v.ids!.includes('4.b4:1'));
  });

  test('a cycle through three processes with no pairwise inversion', () => {
    const ring = (b: NodeHistoryBuilder): NodeHistoryBuilder => b.change('1.4', [b.node], [1, 2, 3]);
    const [p, q, r] = [1, 2, 3].map((n) => ring(new NodeHistoryBuilder(n).start(`b${n}`)));
    const a = p!.send(), b = q!.send(), c = r!.send();
    p!.deliver(a, b);
    q!.deliver(b, c);
    r!.deliver(c, a);
    const report = checkHistories([p!.records, q!.records, r!.records]);
    assertOnly(report, 'agreed-order');
    assert.deepEqual(report.violations[0]!.nodes!.sort(), [1, 2, 3]);
  });
});

describe('agreed-order: gap-free regular delivery', () => {
  test('a process skips a message in the middle of a regular configuration', () => {
    // Node 2 stops after 1.20, so no other property sees the hole.
    const h = edited((h, ids) => remove(h[1]!, { ev: 'deliver', id: ids.m4d }));
    const report = checkHistories(h, converge);
    assertOnly(report, 'agreed-order');
    assert.match(report.violations[0]!.message, /in regular configuration 1\.20, the delivery #1 of node 2 \(boot a2\) is 1\.a1:3 but that of node \d \(boot \w\d\) is 4\.b4:1/);
  });
});

describe('virtual-synchrony', () => {
  test('in a quiesced run, processes that end in the same configuration deliver the same messages', () => {
    const h = edited((h, ids) => remove(h[0]!, { ev: 'deliver', id: ids.m3e }));
    const report = checkHistories(h, converge);
    assertOnly(report, 'virtual-synchrony');
    assert.match(report.violations[0]!.message, /went from regular configuration 1\.24 to the end of a quiesced run/);
    assert.equal(checkHistories(h).ok, true);
  });

  test('1 and 2 go from 1.4 to 1.8 but only 2 delivered 4.a4:1 in 1.4', () => {
    const h = edited((h, ids) => remove(h[0]!, { ev: 'deliver', id: ids.m4 }));
    const report = checkHistories(h, converge);
    assertOnly(report, 'virtual-synchrony');
    assert.match(report.violations[0]!.message,
      /node 1 \(boot a1\) and node 2 \(boot a2\) both went from regular configuration 1\.4 to the transitional configuration 1\.8 .*only node 2 \(boot a2\) delivered 4\.a4:1/);
  });

  test('a message delivered in the regular configuration by one and in the transitional one by the other', () => {
    const h = edited((h, ids) => {
      const d = remove(h[1]!, { ev: 'deliver', id: ids.m4 });
      h[1]!.splice(findRecord(h[1]!, { ev: 'config', kind: 'transitional', ring: '1.8' }) + 1, 0, d);
    });
    const report = checkHistories(h, converge);
    assertOnly(report, 'virtual-synchrony');
    assert.equal(report.violations.length, 2, explain(report));
    assert.match(explain(report), /delivered 1 of these in the transitional configuration instead/);
  });
});

describe('self-delivery', () => {
  test('an alive process never delivers its own message in a quiesced run', () => {
    const h = edited((h, ids) => {
      for (const i of [0, 2, 3]) remove(h[i]!, { ev: 'deliver', id: ids.m3e });
    });
    const report = checkHistories(h, converge);
    assertOnly(report, 'self-delivery');
    assert.match(report.violations[0]!.message, /node 3 \(boot a3\) is alive .* never delivered 1 of its own message\(s\): 3\.a3:5/);
    // Not quiesced: the message may still be on its way.
    assert.equal(checkHistories(h).ok, true, explain(checkHistories(h)));
  });

  test('a clean stop without its own message, not listed as abandoned (the planned-stop drain\'s promise)', () => {
    const h = edited((h, ids) => {
      const at = findRecord(h[1]!, { ev: 'stop' });
      h[1]![at] = { ev: 'stop', t: (h[1]![at]!.t ?? 0) };
      assert.ok(ids.m2d);
    });
    for (const options of [converge, {}]) {
      const report = checkHistories(h, options);
      assertOnly(report, 'self-delivery');
      assert.match(explain(report), /node 2 \(boot a2\) stopped cleanly without delivering 1 of its own message\(s\), not listed as abandoned in its stop record: 2\.a2:4/);
    }
  });

  test('a clean stop that drained: every own message delivered before it, nothing listed', () => {
    const h = edited((h, ids) => {
      const at = findRecord(h[1]!, { ev: 'stop' });
      h[1]!.splice(at, 1, { ev: 'deliver', id: ids.m2d!, from: 2 }, { ev: 'stop' });
      // Its message was ordered in 1.20 before it left: the others delivered it there too.
      for (const i of [0, 2, 3]) h[i]!.splice(findRecord(h[i]!, { ev: 'config', kind: 'transitional', ring: '1.24' }), 0, { ev: 'deliver', id: ids.m2d!, from: 2 });
    });
    const report = checkHistories(h, converge);
    assert.equal(report.ok, true, explain(report));
  });

  test('a stop lists as abandoned a message it delivered, or one it never sent', () => {
    const delivered = edited((h, ids) => {
      const at = findRecord(h[1]!, { ev: 'stop' });
      h[1]![at] = { ev: 'stop', abandoned: [ids.m2d!, ids.m2c!] };
    });
    const report = checkHistories(delivered, converge);
    assertOnly(report, 'well-formed');
    assert.match(explain(report), /node 2 \(boot a2\) lists 2\.a2:3 as abandoned in its stop record, but delivered it/);
    const foreign = edited((h, ids) => {
      const at = findRecord(h[1]!, { ev: 'stop' });
      h[1]![at] = { ev: 'stop', abandoned: [ids.m2d!, ids.m1c!, '2.a2:99'] };
    });
    const report2 = checkHistories(foreign, converge);
    assertOnly(report2, 'well-formed');
    assert.equal(report2.violations.length, 2, explain(report2));
    assert.match(explain(report2), /the stop lists "1\.a1:3" as abandoned, but this incarnation never sent it/);
    assert.match(explain(report2), /the stop lists "2\.a2:99" as abandoned/);
  });

  test('a sender moves on to the next regular configuration without its own message', () => {
    const h = edited((h, ids) => remove(h[0]!, { ev: 'deliver', id: ids.m1b }));
    const report = checkHistories(h);
    assertIncludes(report, 'self-delivery');
    assert.match(explain(report), /node 1 \(boot a1\) sent 1\.a1:2, which node 2 \(boot a2\) delivered in ring 1\.8, but installed the next regular configuration 1\.16 without delivering it/);
  });
});

describe('no-duplication', () => {
  test('a process delivers a message twice', () => {
    const h = edited((h, ids) => {
      h[0]!.push({ ev: 'deliver', id: ids.m1c, from: 1 });
    });
    // Not quiesced: in a quiesced run the final configuration's message sets would differ too.
    const report = checkHistories(h);
    assertOnly(report, 'no-duplication');
    assert.match(report.violations[0]!.message, /node 1 \(boot a1\) at record \d+: delivers 1\.a1:3 again/);
  });
});

describe('no-creation', () => {
  test('a delivered id that no process sent', () => {
    const h = edited((h) => {
      h[0]!.push({ ev: 'deliver', id: '3.a3:9', from: 3 });
    });
    const report = checkHistories(h);
    assertOnly(report, 'no-creation');
    assert.match(report.violations[0]!.message, /delivers 3\.a3:9, which was never sent: node 3 \(boot a3\) has no send of it/);
  });

  test('from does not match the id, and an unknown incarnation', () => {
    const h = edited((h) => {
      h[0]!.push({ ev: 'deliver', id: '3.zz:1', from: 4 });
    });
    const report = checkHistories(h, converge);
    assertIncludes(report, 'no-creation');
    assert.match(explain(report), /from=4, but the id names sender node 3/);
    assert.match(explain(report), /no history has an incarnation node 3 boot zz/);
  });
});

describe('fifo', () => {
  test('a gap within one configuration', () => {
    // 1 delivers 3's messages 1 and 3 in ring 1.4, but not message 2 sent in between.
    const ring = (b: NodeHistoryBuilder): NodeHistoryBuilder => b.change('1.4', [b.node], [1, 3]);
    const n1 = ring(new NodeHistoryBuilder(1).start('a'));
    const n3 = ring(new NodeHistoryBuilder(3).start('c'));
    const [x, , z] = [n3.send(), n3.send(), n3.send()];
    n1.deliver(x!, z!);
    const report = checkHistories([n1.records, n3.records]);
    assertOnly(report, 'fifo');
    assert.match(report.violations[0]!.message, /delivers 3\.c:3 right after 3\.c:1 within regular configuration 1\.4, skipping 3\.c:2/);
  });

  test('a skipped message that others delivered in the same ring', () => {
    // 2 delivers x and y in regular 1.4; 1 moves on alone and delivers only y, in the transitional
    // configuration: its earlier messages from 3 were in another ring, but x was in this one.
    const n1 = new NodeHistoryBuilder(1).start('a').change('1.4', [1], [1, 2, 3]);
    const n2 = new NodeHistoryBuilder(2).start('b').change('1.4', [2], [1, 2, 3]);
    const n3 = new NodeHistoryBuilder(3).start('c').change('1.4', [3], [1, 2, 3]);
    const [x, y] = [n3.send(), n3.send()];
    n2.deliver(x, y);
    n1.transitional('1.8', [1]).deliver(y).regular('1.8', [1]);
    const report = checkHistories([n1.records, n2.records, n3.records]);
    assertOnly(report, 'fifo');
    assert.match(report.violations[0]!.message, /node 1 \(boot a\) at record 5, t=4: delivers 3\.c:2 in ring 1\.4 without 3\.c:1, sent before it and delivered by others in the same ring/);
  });

  test('two processes skip a message of 3 that others delivered in the same ring', () => {
    const h = edited((h, ids) => {
      remove(h[0]!, { ev: 'deliver', id: ids.m3d });
      remove(h[3]!, { ev: 'deliver', id: ids.m3d });
    });
    const report = checkHistories(h, converge);
    assertIncludes(report, 'fifo');
    assert.match(explain(report), /node 1 \(boot a1\) at record \d+, t=\d+: delivers 3\.a3:5 in ring 1\.24 without 3\.a3:4/);
  });

  test('messages of one sender delivered in the wrong order', () => {
    const h = edited((h, ids) => {
      for (const i of [0, 2, 3]) {
        const j = findRecord(h[i]!, { ev: 'deliver', id: ids.m3d });
        [h[i]![j], h[i]![j + 1]] = [h[i]![j + 1]!, h[i]![j]!];
      }
    });
    const report = checkHistories(h, converge);
    assertIncludes(report, 'fifo');
    assert.match(explain(report), /delivers 3\.a3:4 after 3\.a3:5, which its sender sent later/);
  });
});

describe('sender-in-configuration', () => {
  test('a process delivers, in its own ring, a message sent in a ring it was not in', () => {
    const h = edited((h, ids) => {
      const i = findRecord(h[2]!, { ev: 'deliver', id: ids.m3c });
      h[2]!.splice(i + 1, 0, { ev: 'deliver', id: ids.m1b, from: 1 });
    });
    const report = checkHistories(h, converge);
    assertOnly(report, 'sender-in-configuration');
    assert.match(explain(report), /node 3 \(boot a3\) .*delivers 1\.a1:2 in regular configuration 3\.12, but its sender node 1 is not a member of 3\.12/);
    assert.match(explain(report), /but node 1 \(boot a1\) delivered it in ring 1\.8/);
  });

  test('a message sent after its sender left the ring it is delivered in', () => {
    const n1 = new NodeHistoryBuilder(1).start('a').change('1.4', [1], [1, 2]).change('1.8', [1], [1]);
    const late = n1.send();
    const n2 = new NodeHistoryBuilder(2).start('b').change('1.4', [2], [1, 2]).deliver(late);
    const report = checkHistories([n1.records, n2.records]);
    assertIncludes(report, 'sender-in-configuration');
    assert.match(explain(report), /sent it at record 6, after leaving 1\.4 at record 4/);
  });
});

describe('convergence', () => {
  test('an alive process ends in an older ring', () => {
    const h = edited((h) => {
      h[3]!.length = findRecord(h[3]!, { ev: 'config', kind: 'transitional', ring: '1.24' });
    });
    const report = checkHistories(h, converge);
    assertOnly(report, 'convergence');
    assert.match(report.violations[0]!.message, /different regular configurations: nodes 1,3 in 1\.24 \[1,3,4\]; nodes 4 in 1\.20 \[1,2,3,4\]/);
    assert.equal(checkHistories(h).ok, true);
  });

  test('the final ring lists a node that is not alive', () => {
    const h = edited((h) => {
      for (const i of [0, 2, 3]) {
        const j = findRecord(h[i]!, { ev: 'config', kind: 'regular', ring: '1.24' });
        h[i]![j] = { ev: 'config', kind: 'regular', ring: '1.24', members: [1, 3, 4, 5] };
      }
    });
    const report = checkHistories(h, converge);
    assertOnly(report, 'convergence');
    assert.match(report.violations[0]!.message, /members not alive: 5/);
  });
});

describe('reporting', () => {
  test('violations are capped per property and counted', () => {
    const b = new NodeHistoryBuilder(1).start('x').change('1.4', [1], [1]);
    for (let i = 1; i <= 40; i++) b.records.push({ ev: 'deliver', id: `1.x:${i}`, from: 1 });
    const report = checkHistories([b.records], { maxViolationsPerProperty: 5 });
    assert.equal(report.counts['no-creation'], 40);
    assert.equal(report.violations.filter((v) => v.property === 'no-creation').length, 6);
    assert.match(report.violations[report.violations.length - 1]!.message, /35 further no-creation violation/);
  });
});

describe('performance', () => {
  // What the check costs is printed, not asserted: a timed assertion fails on a loaded machine
  // with nothing wrong. The soak prints deliveries checked per second over thousands of runs.
  test('10 nodes, ~50k deliveries each: a large clean run checks clean (time printed)', () => {
    const histories = syntheticRun({ nodes: 10, epochs: 20, messagesPerNodePerEpoch: 325 });
    const started = performance.now();
    const report = checkHistories(histories, converge);
    const ms = performance.now() - started;
    assert.equal(report.ok, true, explain(report));
    assert.ok(report.stats.deliveries > 500_000, `${report.stats.deliveries} deliveries`);
    console.log(`checked ${report.stats.deliveries} deliveries in ${ms.toFixed(0)} ms`);
  });
});

describe('regular-only histories (an API that reports no transitional configurations, like CPG)', () => {
  const run = (deliveredBy2: string[]): HistoryRecord[][] => {
    const node = (id: number, delivered: string[]): HistoryRecord[] => [
      { ev: 'start', node: id, boot: `b${id}` },
      { ev: 'config', kind: 'regular', ring: '1.4', members: [1, 2] },
      ...(id === 1 ? [{ ev: 'send', id: '1.b1:1' } as HistoryRecord, { ev: 'send', id: '1.b1:2' } as HistoryRecord] : []),
      ...delivered.map((id): HistoryRecord => ({ ev: 'deliver', id, from: 1 })),
      { ev: 'config', kind: 'regular', ring: '1.8', members: [1, 2] },
    ];
    return [node(1, ['1.b1:1', '1.b1:2']), node(2, deliveredBy2)];
  };

  test('need the option: without it a regular configuration alone is malformed', () => {
    const report = checkHistories(run(['1.b1:1', '1.b1:2']));
    assert.ok(report.violations.some((v) => v.property === 'well-formed'));
  });

  test('with it, the same deliveries on nodes that move on together pass', () => {
    const report = checkHistories(run(['1.b1:1', '1.b1:2']), { regularOnly: true });
    assert.ok(report.ok, report.violations.map((v) => v.message).join('\n'));
  });

  test('with it, a message missing at one of two nodes that move on together is a virtual synchrony violation', () => {
    const report = checkHistories(run(['1.b1:1']), { regularOnly: true });
    assert.ok(report.violations.some((v) => v.property === 'virtual-synchrony'), report.violations.map((v) => `${v.property}: ${v.message}`).join('\n'));
  });
});

describe('a process that joined its first ring mid-way (start with midRing)', () => {
  // Nodes 1 and 2 form ring 1.8 with node 3; node 3's process joins its group after node 1's
  // first message was ordered, so it delivers the ring's messages from the second one on.
  function run(node3Delivers: string[], midRing: boolean): HistoryRecord[][] {
    const first = (node: number, boot: string, from: string): HistoryRecord[] => [
      { ev: 'start', node, boot },
      { ev: 'config', kind: 'transitional', ring: from, members: [node] },
      { ev: 'config', kind: 'regular', ring: from, members: [node] },
      { ev: 'config', kind: 'transitional', ring: '1.8', members: [node] },
      { ev: 'config', kind: 'regular', ring: '1.8', members: [1, 2, 3] },
    ];
    const all = ['1.a:1', '1.a:2', '1.a:3'];
    const n1: HistoryRecord[] = [...first(1, 'a', '1.4'), ...all.flatMap((id): HistoryRecord[] => [{ ev: 'send', id }, { ev: 'deliver', id, from: 1 }])];
    const n2: HistoryRecord[] = [...first(2, 'b', '2.4'), ...all.map((id): HistoryRecord => ({ ev: 'deliver', id, from: 1 }))];
    const n3: HistoryRecord[] = [
      midRing ? { ev: 'start', node: 3, boot: 'c', midRing: true } : { ev: 'start', node: 3, boot: 'c' },
      { ev: 'config', kind: 'transitional', ring: '1.8', members: [3] },
      { ev: 'config', kind: 'regular', ring: '1.8', members: [1, 2, 3] },
      ...node3Delivers.map((id): HistoryRecord => ({ ev: 'deliver', id, from: 1 })),
    ];
    return [n1, n2, n3];
  }

  test('its deliveries from its join on pass every property', () => {
    const report = checkHistories(run(['1.a:2', '1.a:3'], true), { quiescent: true });
    assert.equal(report.ok, true, explain(report));
  });

  test('without midRing the same history breaks virtual synchrony', () => {
    assertIncludes(checkHistories(run(['1.a:2', '1.a:3'], false), { quiescent: true }), 'virtual-synchrony');
  });

  test('a gap after its join is still a violation', () => {
    const report = checkHistories(run(['1.a:1', '1.a:3'], true), { quiescent: true });
    assert.equal(report.ok, false, 'skipping 1.a:2 after delivering 1.a:1 must be caught');
    assertIncludes(report, 'agreed-order');
  });

  test('a message the ring never delivered is still a violation', () => {
    const h = run(['1.a:2', '1.a:3'], true);
    h[0]!.push({ ev: 'send', id: '1.a:4' });
    h[2]!.push({ ev: 'deliver', id: '1.a:4', from: 1 });
    assertIncludes(checkHistories(h, { quiescent: true }), 'virtual-synchrony');
  });
});
