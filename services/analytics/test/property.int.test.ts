// The proof that the numbers are exact end to end: for several seeds, a random stream of finished orders
// and refunds across currencies and days goes through Kafka with duplicates, redeliveries as new messages,
// a restart with the consumer group's offsets moved back, and the API must answer what the model says,
// to the cent.
import { AnalyticsModel } from './model';
import { prng, scenario, withDuplicates } from './scenario';
import { AnalyticsHarness } from './support';

const INPUT = ['orders.finished', 'refunds.processed'];

describe.each([17, 4242, 90001])('seed %i', (seed) => {
  let h: AnalyticsHarness;

  beforeAll(async () => {
    h = new AnalyticsHarness();
    await h.start();
  });
  afterAll(() => h.stop());

  test('KPIs and leaderboards equal the model after duplicates, redeliveries and an offset reset', async () => {
    const random = prng(seed * 31 + 7);
    const events = scenario(seed, { orders: 120 });
    const delivered = withDuplicates(events, random);
    const cut = Math.floor(delivered.length * 0.6);
    const model = new AnalyticsModel();

    await h.produceAll(delivered.slice(0, cut));
    for (const event of delivered.slice(0, cut)) model.apply(event);
    await h.waitMatches(model);
    await h.waitConsumed();

    // Stop, move the group back to random earlier offsets (a reset, as after a lost commit), redeliver
    // some old events as new messages, add the rest, restart.
    await h.stopService();
    for (const topic of INPUT.map((t) => h.topic(t))) {
      const committed = await h.admin.fetchOffsets({ groupId: h.groupId, topics: [topic] });
      const partitions = committed[0]!.partitions.map(({ partition, offset }) => ({
        partition,
        offset: String(Math.floor(random() * (Math.max(0, Number(offset)) + 1))),
      }));
      await h.admin.setOffsets({ groupId: h.groupId, topic, partitions });
    }
    const redelivered = delivered.slice(0, cut).filter(() => random() < 0.2);
    await h.produceAll([...redelivered, ...delivered.slice(cut)]);
    for (const event of delivered.slice(cut)) model.apply(event);
    await h.startService();
    await h.waitReady();
    await h.waitConsumed();
    await h.waitMatches(model);

    // The single-day form agrees too: every currency of the day, none summed.
    for (const day of model.days()) {
      const answer = await h.get(`/kpis?date=${day}`);
      expect(answer.body).toEqual(model.allKpis().filter((k) => k.date === day));
    }
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/orderflow_events_duplicate_total\{[^}]*\} [1-9]/);
  });
});
