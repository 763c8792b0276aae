//! Bar charts the console draws on the server, as SVG: no JavaScript, nothing fetched. Every
//! coordinate is computed here; the template only places the shapes, and lists the same numbers
//! in a table for screen readers (and anyone who wants the figures).

/// The drawing's size in SVG user units; it scales to the page's width.
const WIDTH: u32 = 720;
const HEIGHT: u32 = 220;
/// Room for the value labels on the left and the group labels below.
const LEFT: u32 = 44;
const BOTTOM: u32 = 24;
const TOP: u32 = 10;

/// One kind of bar (e.g. successful sign-ins): its name and its CSS class.
pub struct Series {
    pub name: &'static str,
    pub class: &'static str,
}

pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub class: &'static str,
    /// What a pointer over the bar shows: "14:00 · failed: 3".
    pub title: String,
}

/// A horizontal line at a value, labelled on the left.
pub struct Gridline {
    pub y: u32,
    pub label: String,
}

pub struct GroupLabel {
    pub x: u32,
    pub label: String,
}

/// One group's name and its value in each series, as the table below the chart lists them.
pub struct Row {
    pub label: String,
    pub values: Vec<u64>,
}

pub struct BarChart {
    pub id: &'static str,
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub left: u32,
    pub baseline: u32,
    pub series: Vec<Series>,
    pub bars: Vec<Bar>,
    pub gridlines: Vec<Gridline>,
    pub labels: Vec<GroupLabel>,
    pub rows: Vec<Row>,
}

/// The smallest of 1, 2, 5, 10, 20, 50 … that is at least `max`: the top of the value axis.
fn axis_top(max: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            if step * m >= max {
                return step * m;
            }
        }
        step = step.saturating_mul(10);
    }
}

/// Groups of bars side by side (one bar per series in each group); every `label_every`-th group
/// is named below the axis.
pub fn grouped(
    id: &'static str,
    title: impl Into<String>,
    series: Vec<Series>,
    rows: Vec<Row>,
    label_every: usize,
) -> BarChart {
    let top = axis_top(
        rows.iter()
            .flat_map(|r| r.values.iter().copied())
            .max()
            .unwrap_or(0),
    );
    let plot_width = WIDTH - LEFT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let baseline = HEIGHT - BOTTOM;
    let groups = rows.len().max(1) as u32;
    let group_width = plot_width / groups;
    let per_series = group_width.saturating_sub(2) / series.len().max(1) as u32;
    let scale = |value: u64| (value * u64::from(plot_height) / top.max(1)) as u32;
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (g, row) in rows.iter().enumerate() {
        let group_x = LEFT + g as u32 * group_width + 1;
        for (s, value) in row.values.iter().enumerate() {
            let height = scale(*value);
            bars.push(Bar {
                x: group_x + s as u32 * per_series,
                y: baseline - height,
                width: per_series.max(1),
                height,
                class: series.get(s).map_or("", |s| s.class),
                title: format!(
                    "{} · {}: {value}",
                    row.label,
                    series.get(s).map_or("", |s| s.name)
                ),
            });
        }
        if g % label_every.max(1) == 0 {
            labels.push(GroupLabel {
                x: group_x + group_width / 2,
                label: row.label.clone(),
            });
        }
    }
    let gridlines = [0, top / 2, top]
        .into_iter()
        .map(|value| Gridline {
            y: baseline - scale(value),
            label: value.to_string(),
        })
        .collect();
    BarChart {
        id,
        title: title.into(),
        width: WIDTH,
        height: HEIGHT,
        left: LEFT,
        baseline,
        series,
        bars,
        gridlines,
        labels,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_ends_at_a_round_number_at_or_above_the_largest_value() {
        let tops: Vec<u64> = [0, 1, 3, 7, 10, 11, 49, 51, 999].map(axis_top).to_vec();
        assert_eq!(tops, [1, 1, 5, 10, 10, 20, 50, 100, 1000]);
    }

    #[test]
    fn bars_are_as_tall_as_their_values_and_stand_on_the_baseline() {
        let series = vec![
            Series {
                name: "ok",
                class: "ok",
            },
            Series {
                name: "failed",
                class: "failed",
            },
        ];
        let rows = vec![
            Row {
                label: "a".into(),
                values: vec![10, 5],
            },
            Row {
                label: "b".into(),
                values: vec![0, 2],
            },
        ];
        let chart = grouped("c", "t", series, rows, 1);
        assert_eq!(chart.bars.len(), 4);
        let full = chart.baseline - TOP;
        assert_eq!(
            chart.bars[0].height, full,
            "the largest value fills the plot"
        );
        assert_eq!(chart.bars[1].height, full / 2);
        assert_eq!(chart.bars[2].height, 0);
        for bar in &chart.bars {
            assert_eq!(bar.y + bar.height, chart.baseline);
            assert!(bar.x + bar.width <= WIDTH);
        }
        assert_eq!(chart.bars[1].title, "a · failed: 5");
        assert_eq!(chart.labels.len(), 2);
        assert_eq!(chart.gridlines[2].label, "10");
    }
}
