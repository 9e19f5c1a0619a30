//! awstin's DynamoDB Getting Started tutorial (itself boto3's) with a typed model: each step of
//! the tutorial is one function here, and `src/main.rs` runs them in order.

use std::fmt;

use updraft::dynamo::value::ToAttr;
use updraft::dynamo::{Capacity, FromAttr, Model, Table};

/// The example's error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A DynamoDB call failed.
    #[error(transparent)]
    Dynamo(#[from] updraft::dynamo::Error),
    /// The sample data does not fit the model.
    #[error("the sample data: {0}")]
    Sample(String),
    /// The AWS configuration did not load.
    #[error(transparent)]
    Config(#[from] updraft::core::Error),
    /// Writing the output failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A movie: the `Movies` table's hash key `year` (N) and range key `title` (S), and a nested
/// `info` map.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "Movies")]
pub struct Movie {
    /// The year it came out.
    #[dynamo(hash)]
    pub year: i32,
    /// Its title.
    #[dynamo(range)]
    pub title: String,
    /// Everything else.
    pub info: Info,
}

/// A movie's `info` map.
#[derive(Model, Debug, Clone, PartialEq, Default)]
pub struct Info {
    /// What happens.
    pub plot: Option<String>,
    /// From 0 to 10; a float, stored as an exact DynamoDB number.
    pub rating: Option<f64>,
    /// Who is in it.
    #[dynamo(default)]
    pub actors: Vec<String>,
    /// Its genres.
    #[dynamo(default)]
    pub genres: Vec<String>,
    /// Its length.
    pub running_time_secs: Option<u32>,
}

impl fmt::Display for Movie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} \"{}\"", self.year, self.title)?;
        if let Some(rating) = self.info.rating {
            write!(f, " rating {rating}")?;
        }
        if let Some(plot) = &self.info.plot {
            write!(f, " plot {plot:?}")?;
        }
        if !self.info.actors.is_empty() {
            write!(f, " actors {:?}", self.info.actors)?;
        }
        Ok(())
    }
}

/// The sample data set that ships with the example: 55 fictional movies from 1950 to 2020.
pub const SAMPLE: &str = include_str!("../moviedata.json");

/// The sample movies, read from JSON the way awstin's `Movie.deserialize` does: the JSON
/// becomes DynamoDB attributes, and those become the model.
///
/// # Errors
///
/// [`Error::Sample`] naming the movie and the attribute that does not fit.
pub fn sample() -> Result<Vec<Movie>, Error> {
    let movies: Vec<serde_json::Value> =
        serde_json::from_str(SAMPLE).map_err(|e| Error::Sample(e.to_string()))?;
    movies
        .iter()
        .enumerate()
        .map(|(i, json)| {
            let attributes = json
                .to_attr()
                .map_err(|e| Error::Sample(format!("movie {i}: {e}")))?
                .ok_or_else(|| Error::Sample(format!("movie {i} is null")))?;
            Movie::from_attr(attributes).map_err(|e| Error::Sample(format!("movie {i}: {e}")))
        })
        .collect()
}

/// Step 1: creates the table, deleting it first if it exists.
///
/// # Errors
///
/// [`Error::Dynamo`].
pub async fn create_table(movies: &Table<Movie>) -> Result<(), Error> {
    movies.drop_table().await?;
    movies.create(Capacity::OnDemand).await?;
    Ok(())
}

/// Step 2: loads the sample data, 25 movies per call.
///
/// # Errors
///
/// [`Error::Sample`], [`Error::Dynamo`].
pub async fn load_movies(movies: &Table<Movie>) -> Result<usize, Error> {
    let sample = sample()?;
    movies.batch_put(&sample).await?;
    Ok(sample.len())
}

/// Step 3: puts one movie.
///
/// # Errors
///
/// [`Error::Dynamo`].
pub async fn put_movie(
    movies: &Table<Movie>,
    title: &str,
    year: i32,
    plot: &str,
    rating: f64,
) -> Result<Movie, Error> {
    let movie = Movie {
        year,
        title: title.to_owned(),
        info: Info {
            plot: Some(plot.to_owned()),
            rating: Some(rating),
            ..Info::default()
        },
    };
    movies.put(&movie).await?;
    Ok(movie)
}

/// Step 4: gets one movie.
///
/// # Errors
///
/// [`Error::Dynamo`].
pub async fn get_movie(
    movies: &Table<Movie>,
    title: &str,
    year: i32,
) -> Result<Option<Movie>, Error> {
    Ok(movies.get((year, title)).await?)
}

/// Step 5: sets the rating, the plot and the actors in one update.
///
/// # Errors
///
/// [`Error::Dynamo`].
pub async fn update_movie(
    movies: &Table<Movie>,
    title: &str,
    year: i32,
    rating: f64,
    plot: &str,
    actors: &[&str],
) -> Result<Movie, Error> {
    let info = Movie::fields().info();
    let update =
        info.rating().set(rating) & info.plot().set(plot) & info.actors().set(actors.to_vec());
    Ok(movies.update((year, title), update).await?)
}

/// Step 6: adds `by` to the rating, atomically.
///
/// # Errors
///
/// [`Error::Dynamo`].
pub async fn increase_rating(
    movies: &Table<Movie>,
    title: &str,
    year: i32,
    by: f64,
) -> Result<Movie, Error> {
    let rating = Movie::fields().info().rating();
    Ok(movies
        .update((year, title), rating.set(&rating + by))
        .await?)
}

/// Step 7: removes the first actor, if the movie has at least `count` of them.
///
/// # Errors
///
/// [`Error::Dynamo`].
pub async fn remove_actors(
    movies: &Table<Movie>,
    title: &str,
    year: i32,
    count: u32,
) -> Result<Option<Movie>, Error> {
    let actors = Movie::fields().info().actors();
    let removed = movies
        .update((year, title), actors.at(0).remove())
        .condition(actors.size().ge(count))
        .await;
    refused_is_none(removed)
}

/// A write's result, with a failed condition as `None` rather than an error.
fn refused_is_none<T>(result: Result<T, updraft::dynamo::Error>) -> Result<Option<T>, Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(updraft::dynamo::Error::ConditionFailed { .. }) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// Step 8: deletes the movie if its rating is at most `rating`; whether it did.
///
/// # Errors
///
/// [`Error::Dynamo`].
pub async fn delete_underrated_movie(
    movies: &Table<Movie>,
    title: &str,
    year: i32,
    rating: f64,
) -> Result<bool, Error> {
    let deleted = movies
        .delete((year, title))
        .condition(Movie::fields().info().rating().le(rating))
        .await;
    Ok(refused_is_none(deleted)?.flatten().is_some())
}

/// Step 9: the movies of one year, in title order.
///
/// # Errors
///
/// [`Error::Dynamo`].
pub async fn query_movies(movies: &Table<Movie>, year: i32) -> Result<Vec<Movie>, Error> {
    Ok(movies.query(year).all().await?)
}

/// Step 10: the movies of one year whose titles sort between `from` and `to`.
///
/// # Errors
///
/// [`Error::Dynamo`].
pub async fn query_and_project_movies(
    movies: &Table<Movie>,
    year: i32,
    from: &str,
    to: &str,
) -> Result<Vec<Movie>, Error> {
    Ok(movies.query(year).range_between(from, to).all().await?)
}

/// Step 11: the movies of a range of years, by a scan (read lazily, page by page).
///
/// # Errors
///
/// [`Error::Dynamo`].
pub async fn scan_movies(movies: &Table<Movie>, from: i32, to: i32) -> Result<Vec<Movie>, Error> {
    use futures_util::TryStreamExt;
    let year = Movie::fields().year();
    let mut found: Vec<Movie> = movies
        .scan()
        .filter(year.between(from, to))
        .stream()
        .try_collect()
        .await?;
    found.sort_by(|a, b| (a.year, &a.title).cmp(&(b.year, &b.title)));
    Ok(found)
}
