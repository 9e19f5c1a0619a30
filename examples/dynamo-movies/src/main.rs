//! `dynamo-movies`: the eleven steps of awstin's DynamoDB Getting Started tutorial, each
//! printed as it runs. The `Movies` table stays when it ends, for you to look at.

use std::io::Write as _;

use example_dynamo_movies as movies;
use updraft::dynamo::Dynamo;

const TITLE: &str = "The Big New Movie";
const YEAR: i32 = 2015;

#[tokio::main]
async fn main() -> Result<(), movies::Error> {
    let config = updraft::core::aws::load().await?;
    let table = Dynamo::new(&config).table::<movies::Movie>();
    let mut out = std::io::stdout().lock();

    movies::create_table(&table).await?;
    writeln!(
        out,
        "1. created the table {} (hash key year N, range key title S)",
        table.name()
    )?;
    let loaded = movies::load_movies(&table).await?;
    writeln!(out, "2. loaded {loaded} movies from moviedata.json")?;
    let put = movies::put_movie(&table, TITLE, YEAR, "Nothing happens at all.", 0.0).await?;
    writeln!(out, "3. put {put}")?;
    match movies::get_movie(&table, TITLE, YEAR).await? {
        Some(movie) => writeln!(out, "4. got {movie}")?,
        None => writeln!(out, "4. found no movie")?,
    }
    let updated = movies::update_movie(
        &table,
        TITLE,
        YEAR,
        5.5,
        "Everything happens all at once.",
        &["Larry", "Moe", "Curly"],
    )
    .await?;
    writeln!(out, "5. updated: {updated}")?;
    let increased = movies::increase_rating(&table, TITLE, YEAR, 1.0).await?;
    writeln!(out, "6. increased the rating by 1: {increased}")?;
    let removed = movies::remove_actors(&table, TITLE, YEAR, 3).await?;
    writeln!(
        out,
        "7. removed the first actor (at least 3 actors): {}",
        describe(removed.as_ref())
    )?;
    let deleted = movies::delete_underrated_movie(&table, TITLE, YEAR, 5.0).await?;
    let still = movies::get_movie(&table, TITLE, YEAR).await?;
    writeln!(
        out,
        "8. delete if the rating is at most 5: {}; the movie {}",
        if deleted { "deleted" } else { "refused" },
        if still.is_some() { "stays" } else { "is gone" }
    )?;
    let of_1985 = movies::query_movies(&table, 1985).await?;
    writeln!(out, "9. movies from 1985: {}", titles(&of_1985))?;
    let a_to_l = movies::query_and_project_movies(&table, 1992, "A", "L").await?;
    writeln!(
        out,
        "10. movies from 1992 with titles from A to L: {}",
        titles(&a_to_l)
    )?;
    let fifties = movies::scan_movies(&table, 1950, 1959).await?;
    writeln!(
        out,
        "11. movies from 1950 to 1959 (scan): {}",
        titles(&fifties)
    )?;
    Ok(())
}

fn describe(updated: Option<&movies::Movie>) -> String {
    match updated {
        Some(movie) => movie.to_string(),
        None => "the condition failed; nothing changed".to_owned(),
    }
}

fn titles(movies: &[movies::Movie]) -> String {
    let titles: Vec<String> = movies
        .iter()
        .map(|m| format!("{} \"{}\"", m.year, m.title))
        .collect();
    format!("{}: {}", titles.len(), titles.join(", "))
}
