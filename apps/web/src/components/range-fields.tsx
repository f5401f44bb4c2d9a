import { lastDays, type DayRange } from "./report-range.ts";

/**
 * The From and To date fields of a report or a list, and with `quick` the last 7, 30 and 90 days
 * buttons; the caller puts them in its own row of filters.
 * @example <div className="row filters"><RangeFields range={range} onChange={setRange} quick /></div>
 */
export function RangeFields({
  range,
  onChange,
  quick = false,
}: {
  range: DayRange;
  onChange: (range: DayRange) => void;
  quick?: boolean;
}) {
  return (
    <>
      <label>
        From{" "}
        <input
          type="date"
          value={range.from}
          onChange={(e) => {
            onChange({ ...range, from: e.target.value });
          }}
        />
      </label>
      <label>
        To{" "}
        <input
          type="date"
          value={range.to}
          onChange={(e) => {
            onChange({ ...range, to: e.target.value });
          }}
        />
      </label>
      {quick &&
        [7, 30, 90].map((days) => (
          <button
            key={days}
            type="button"
            onClick={() => {
              onChange(lastDays(days));
            }}
          >
            Last {days} days
          </button>
        ))}
    </>
  );
}
