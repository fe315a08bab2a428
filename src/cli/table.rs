//! Column-aligned plain-text tables, as kubectl and argocd print them.

use std::io::{self, Write};

/// Writes rows under a header with columns padded to their widest cell and
/// separated by three spaces; the last column is not padded.
pub fn write_table(out: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    write_row(out, &header, &widths)?;
    for row in rows {
        write_row(out, row, &widths)?;
    }
    Ok(())
}

fn write_row(out: &mut dyn Write, row: &[String], widths: &[usize]) -> io::Result<()> {
    let mut line = String::new();
    for (i, cell) in row.iter().enumerate() {
        line.push_str(cell);
        if i + 1 < row.len() {
            let pad = widths.get(i).copied().unwrap_or(0)
                - cell
                    .chars()
                    .count()
                    .min(widths.get(i).copied().unwrap_or(0));
            line.extend(std::iter::repeat_n(' ', pad + 3));
        }
    }
    writeln!(out, "{}", line.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_to_the_widest_cell() {
        let mut out = Vec::new();
        let rows = vec![
            vec!["payments".to_owned(), "Synced".to_owned()],
            vec!["api".to_owned(), "OutOfSync".to_owned()],
        ];
        write_table(&mut out, &["NAME", "STATUS"], &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "NAME       STATUS\npayments   Synced\napi        OutOfSync\n"
        );
    }
}
