// Package figure draws paper-size figures with gonum/plot for reports: one column of a
// two-column paper, legends below the axes, fixed colours per row, tick helpers; PNG at 300
// dpi, SVG, PDF.
package figure
