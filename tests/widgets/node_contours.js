// The page's contour lines (downhill-figure.js) in Node, for tests/widgets/test_page_contours.py.
// argv[2]: the folder of the page's scripts; stdin: {Z, xs, ys, levels} (null in Z for NaN);
// stdout: {levels: per level, the lines as [[xs], [ys]] pairs, from contourLevels (all the
// levels in one pass); single: the same from contourLines, a level at a time}.
'use strict';
const path = require('path');
const F = require(path.resolve(process.argv[2], 'downhill-figure.js'));
let input = '';
process.stdin.on('data', (d) => { input += d; }).on('end', () => {
  const job = JSON.parse(input);
  job.Z = job.Z.map((row) => row.map((v) => (v === null ? NaN : v)));
  const single = job.levels.map((level) => F.contourLines(job.Z, job.xs, job.ys, level));
  process.stdout.write(JSON.stringify({ levels: F.contourLevels(job.Z, job.xs, job.ys, job.levels), single }));
});
