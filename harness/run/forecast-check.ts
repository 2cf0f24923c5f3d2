// A drill's forecast is read and parsed before anything starts, so that a broken CSV ends the run
// with exit 104 at once instead of a drill that runs for minutes and ends with "No plan".
import * as fs from 'node:fs';
import { parseForecastCsv, type ForecastRow } from '../capacity';
import { ConfigError } from '../common';

/** Parses the forecast for the cluster's DCs; ConfigError (104) naming the file, line and field. */
export function checkForecast(file: string, dcs: string[]): ForecastRow[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot be read (${(err as Error).message})`;
    throw new ConfigError(
      file,
      '',
      `${why}; expected a forecast CSV with a header row \`dc,peak_rps[,growth][,current_<serverType>...]\``,
    );
  }
  return parseForecastCsv(text, file, dcs);
}
