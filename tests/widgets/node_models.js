// Runs the page's models (course_utils/widgets/web/downhill-models.js) for the tests:
// reads {"model", "data", "settings": [values, ...]} as JSON on stdin, writes one result
// per setting as JSON on stdout (functions dropped, non-finite numbers as strings).
'use strict';
const path = require('path');
const models = require(path.join(process.argv[2], 'downhill-models.js'));
const N = require(path.join(process.argv[2], 'downhill-numerics.js'));

// The shipped data, decoded, as the page reads it.
models.decode = { prepare: (data) => data, compute: (data) => {
  const out = {};
  for (const key in data) out[key] = N.decode(data[key]);
  return out;
} };

// A model of the numerics alone: an optimizer with its options on a registry surface,
// with a schedule and clipping, as optimizers.run with loss_fn=surface.value.
models.run = {
  prepare: (data) => data,
  compute: (data, v) => {
    const s = N.SURFACES[v.surface];
    const schedule = v.schedule ? N.makeSchedule(v.schedule, v.options.lr, v.steps) : undefined;
    return N.run(N.OPTIMIZERS[v.optimizer](v.options), s.grad, s.start, v.steps,
                 { lossFn: s.value, schedule: schedule, clipNorm: v.clip, bound: v.bound });
  },
};

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const job = JSON.parse(input);
  const model = models[job.model];
  const problem = model.prepare(job.data);
  const results = job.settings.map((values) => {
    try {
      return model.compute(problem, values);
    } catch (err) {
      return { error: String(err) };
    }
  });
  process.stdout.write(JSON.stringify(results, (key, value) => {
    if (typeof value === 'function') return undefined;
    if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
    return value;
  }));
});
