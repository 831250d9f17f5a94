//! Chart shapes shared by the figures (`figures.rs`): bars over
//! named categories and stacked bars over steps, drawn into SVG text with plotters.
use plotters::prelude::*;

/// Pixel size of every figure.
pub const SIZE: (u32, u32) = (720, 420);
/// Series colours (matplotlib's first six, familiar from papers).
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// What a drawing closure returns (plotters' errors are backend-specific).
pub type Drawn = std::result::Result<(), Box<dyn std::error::Error>>;

/// Bars over named categories (segmented x axis), one series.
pub fn category_bars(
    svg: &mut String,
    caption: &str,
    y_desc: &str,
    bars: &[(String, f64)],
) -> Drawn {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let n = bars.len().max(1) as u32;
    let top = bars.iter().map(|b| b.1).fold(0.0, f64::max).max(1e-9) * 1.1;
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 24))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d((0u32..n).into_segmented(), 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_desc(y_desc)
        .x_labels(n as usize)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => bars
                .get(*i as usize)
                .map(|b| b.0.clone())
                .unwrap_or_default(),
            _ => String::new(),
        })
        .draw()?;
    chart.draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
        let i = i as u32;
        let mut bar = Rectangle::new(
            [
                (SegmentValue::Exact(i), 0.0),
                (SegmentValue::Exact(i + 1), *v),
            ],
            PALETTE[0].filled(),
        );
        bar.set_margin(0, 0, 8, 8);
        bar
    }))?;
    root.present()?;
    Ok(())
}

/// Stacked bars per step: two or more series of `(step, value)`.
pub fn stacked(
    svg: &mut String,
    caption: &str,
    (x_desc, y_desc): (&str, &str),
    steps: &[usize],
    series: &[(String, Vec<f64>)],
) -> Drawn {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let n = steps.len().max(1);
    let top = (0..n)
        .map(|i| {
            series
                .iter()
                .map(|s| s.1.get(i).copied().unwrap_or(0.0))
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.15;
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 24))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(n.min(30))
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() > 0.01 || i < 0.0 {
                return String::new();
            }
            steps
                .get(i as usize)
                .map(|s| s.to_string())
                .unwrap_or_default()
        })
        .draw()?;
    let mut base = vec![0.0; n];
    for (k, (name, values)) in series.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let bars: Vec<Rectangle<(f64, f64)>> = (0..n)
            .map(|i| {
                let v = values.get(i).copied().unwrap_or(0.0);
                let bar = Rectangle::new(
                    [(i as f64 - 0.35, base[i]), (i as f64 + 0.35, base[i] + v)],
                    color.filled(),
                );
                base[i] += v;
                bar
            })
            .collect();
        chart
            .draw_series(bars)?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// A line chart: one named series of `(x, y)` points per line, a legend, axes over
/// `x` and `y`; `percent` labels the y axis as percentages.
pub struct Lines<'a> {
    pub caption: &'a str,
    pub axes: (&'a str, &'a str),
    pub x: std::ops::Range<f64>,
    pub y: std::ops::Range<f64>,
    pub percent: bool,
    pub legend: SeriesLabelPosition,
}

/// Draws `lines` as `spec` describes.
pub fn line_chart(
    svg: &mut String,
    spec: Lines<'_>,
    lines: Vec<(String, Vec<(f64, f64)>)>,
) -> Drawn {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(spec.caption, ("sans-serif", 24))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(spec.x, spec.y)?;
    let percent = |y: &f64| format!("{:.0}%", y * 100.0);
    let plain = |y: &f64| format!("{y}");
    let label: &dyn Fn(&f64) -> String = if spec.percent { &percent } else { &plain };
    chart
        .configure_mesh()
        .x_desc(spec.axes.0)
        .y_desc(spec.axes.1)
        .y_label_formatter(label)
        .draw()?;
    for (i, (name, points)) in lines.into_iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(spec.legend)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
