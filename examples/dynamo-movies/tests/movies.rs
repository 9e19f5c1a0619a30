//! The tutorial against DynamoDB Local: every step prints what the issue specifies, and the
//! sample data is what the example promises.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::collections::BTreeSet;

use updraft::testing::run_with_servers;

#[test]
fn the_tutorial_runs_its_eleven_steps() {
    let stdout = run_with_servers(env!("CARGO_BIN_EXE_dynamo-movies"));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 11, "{stdout}");
    for (i, line) in lines.iter().enumerate() {
        assert!(line.starts_with(&format!("{}. ", i + 1)), "{line}");
    }
    assert_eq!(lines[1], "2. loaded 55 movies from moviedata.json");
    assert!(
        lines[3].ends_with(r#"2015 "The Big New Movie" rating 0 plot "Nothing happens at all.""#)
    );
    assert!(lines[4].contains(
        r#"rating 5.5 plot "Everything happens all at once." actors ["Larry", "Moe", "Curly"]"#
    ));
    assert!(lines[5].contains("rating 6.5"));
    assert!(lines[6].ends_with(r#"actors ["Moe", "Curly"]"#));
    assert_eq!(
        lines[7],
        "8. delete if the rating is at most 5: refused; the movie stays"
    );
    assert!(lines[8].starts_with("9. movies from 1985: 5: "));
    assert!(lines[9].starts_with("10. movies from 1992 with titles from A to L: 7: "));
    assert!(
        !lines[9].contains("Lullaby"),
        "\"Lullaby…\" sorts after \"L\""
    );
    assert!(lines[10].starts_with("11. movies from 1950 to 1959 (scan): 10: "));
}

#[test]
fn the_sample_data_has_fifty_movies_over_many_years_with_nested_info() {
    let movies = example_dynamo_movies::sample().unwrap();
    assert!(movies.len() >= 50);
    let years: BTreeSet<i32> = movies.iter().map(|m| m.year).collect();
    assert!(years.len() >= 20);
    assert!(
        movies
            .iter()
            .all(|m| m.info.plot.is_some() && m.info.rating.is_some() && !m.info.actors.is_empty())
    );
}
