// One symbol per kind of institution: a colour and a shape (never text), drawn the same
// on the map (canvas → map.addImage) and in the legend and list (inline SVG). The colours
// are dark enough for 4.5:1 against white, so they also serve as text-adjacent marks.
export const KINDS = {
  university: { color: '#1d4f91', shape: 'star' },
  college: { color: '#6a2c91', shape: 'square' },
  intermediate_school: { color: '#8a4b00', shape: 'diamond' },
  gdnn_gdtx_centre: { color: '#0a6b4c', shape: 'triangle' },
  vocational_training_centre: { color: '#a4262c', shape: 'circle' },
  enterprise_training_unit: { color: '#4d4d4d', shape: 'hexagon' },
  other: { color: '#4d4d4d', shape: 'circle' },
};

export const LEVELS = ['college', 'intermediate', 'elementary', 'short_course'];
export const OWNERSHIPS = ['public', 'private', 'foreign_invested'];

/// The shape's outline as points in a unit box (0..1), or null for a circle.
function polygon(shape) {
  const reg = (n, r, rot) => Array.from({ length: n }, (_, i) => {
    const a = rot + (i * 2 * Math.PI) / n;
    return [0.5 + r * Math.cos(a), 0.5 + r * Math.sin(a)];
  });
  switch (shape) {
    case 'square': return [[0.14, 0.14], [0.86, 0.14], [0.86, 0.86], [0.14, 0.86]];
    case 'diamond': return [[0.5, 0.04], [0.96, 0.5], [0.5, 0.96], [0.04, 0.5]];
    case 'triangle': return [[0.5, 0.06], [0.96, 0.9], [0.04, 0.9]];
    case 'hexagon': return reg(6, 0.46, 0);
    case 'star': return Array.from({ length: 10 }, (_, i) => {
      const r = i % 2 ? 0.22 : 0.5;
      const a = -Math.PI / 2 + (i * Math.PI) / 5;
      return [0.5 + r * Math.cos(a), 0.54 + r * Math.sin(a)];
    });
    default: return null;
  }
}

export function kindStyle(kind) { return KINDS[kind] || KINDS.other; }

/// An SVG mark for the legend and the list (decorative: the text beside it says the kind).
export function kindSvg(kind, size = 18) {
  const { color, shape } = kindStyle(kind);
  const pts = polygon(shape);
  const body = pts
    ? `<polygon points="${pts.map(([x, y]) => `${(x * 20 + 2).toFixed(1)},${(y * 20 + 2).toFixed(1)}`).join(' ')}"`
    : '<circle cx="12" cy="12" r="10"';
  return `<svg class="kind-mark" width="${size}" height="${size}" viewBox="0 0 24 24" aria-hidden="true" focusable="false">${body} fill="${color}" stroke="#fff" stroke-width="2"/></svg>`;
}

/// The map's image for a kind, drawn on a canvas at the device's pixel ratio.
export function kindImage(kind, ratio = 2) {
  const { color, shape } = kindStyle(kind);
  const size = 26 * ratio;
  const c = document.createElement('canvas');
  c.width = size; c.height = size;
  const g = c.getContext('2d');
  const pad = 3 * ratio;
  const s = size - 2 * pad;
  g.beginPath();
  const pts = polygon(shape);
  if (pts) {
    pts.forEach(([x, y], i) => (i ? g.lineTo(pad + x * s, pad + y * s) : g.moveTo(pad + x * s, pad + y * s)));
    g.closePath();
  } else {
    g.arc(size / 2, size / 2, s / 2 - ratio, 0, 2 * Math.PI);
  }
  g.fillStyle = color;
  g.fill();
  g.lineWidth = 2.5 * ratio;
  g.strokeStyle = '#ffffff';
  g.lineJoin = 'round';
  g.stroke();
  return { image: g.getImageData(0, 0, size, size), pixelRatio: ratio };
}
