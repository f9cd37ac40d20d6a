// ISO 3166-1 numeric codes of the members, which identify countries in the world map
// (world-atlas). Kosovo has none: the map finds it by name.
export const isoNumeric: Record<string, string> = {
  AT: '040', BE: '056', BG: '100', CY: '196', CZ: '203', DK: '208', EE: '233', FI: '246', FR: '250', DE: '276',
  GR: '300', HU: '348', IE: '372', IT: '380', LV: '428', LT: '440', LU: '442', MT: '470', NL: '528', PL: '616',
  PT: '620', RO: '642', SK: '703', SI: '705', ES: '724', SE: '752', GB: '826', AL: '008', AU: '036', KH: '116',
  HR: '191', GE: '268', GH: '288', JP: '392', MD: '498', ME: '499', NZ: '554', NG: '566', NO: '578', PH: '608',
  KR: '410', RS: '688', CH: '756', TH: '764', TR: '792', UA: '804', US: '840', VN: '704', AM: '051', BA: '070',
  CA: '124', CR: '188', IL: '376', MX: '484',
};
