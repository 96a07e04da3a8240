// Charts of the control pages (Chart.js). Each <canvas data-chart='{"type":..,"labels":..,"datasets":..}'>
// is drawn from its own JSON; the numbers are always in a table beside it (the chart is a picture of it).
import {
  Chart, BarController, BarElement, LineController, LineElement, PointElement,
  CategoryScale, LinearScale, Legend, Tooltip,
} from 'chart.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement,
  CategoryScale, LinearScale, Legend, Tooltip);

const COLOURS = ['#2563eb', '#16a34a', '#dc2626', '#f59e0b', '#7c3aed', '#0891b2', '#64748b', '#db2777'];

function draw(canvas) {
  let spec;
  try {
    spec = JSON.parse(canvas.dataset.chart);
  } catch (e) {
    return;
  }
  const datasets = (spec.datasets || []).map((d, i) => ({
    backgroundColor: COLOURS[i % COLOURS.length],
    borderColor: COLOURS[i % COLOURS.length],
    ...d,
  }));
  const stacked = Boolean(spec.stacked);
  canvas.chart = new Chart(canvas, {
    type: spec.type || 'bar',
    data: { labels: spec.labels || [], datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: spec.horizontal ? 'y' : 'x',
      scales: { x: { stacked, beginAtZero: true }, y: { stacked, beginAtZero: true } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
  canvas.dataset.drawn = 'yes';
}

document.querySelectorAll('canvas[data-chart]').forEach(draw);
