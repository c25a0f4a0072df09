//! `/leagues`: create, list, read, change and delete skill leagues; close a season; predict a
//! match.

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use podium_core::{ids::Slug, rating::Params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    extract::{ApiJson, ApiPath},
    leaderboards::validate_name,
    league_views::LeagueView,
};
use crate::{
    error::{ApiError, ApiResult, ErrorCode, Problem},
    leagues::store::{self as db, CreateError, LeaguePatch, NewLeague},
    leagues::{self, League, write::WriteError},
    state::AppState,
    sync::read,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_league, list_leagues))
        .routes(routes!(get_league, update_league, delete_league))
        .routes(routes!(start_season))
        .routes(routes!(predict_match))
        .routes(routes!(recompute_league))
}

pub(super) fn find(state: &AppState, slug: &str) -> ApiResult<std::sync::Arc<League>> {
    state.leagues.by_slug(slug).ok_or_else(|| {
        ApiError::new(
            ErrorCode::LeagueNotFound,
            format!("no league has the slug '{slug}'"),
        )
    })
}

/// Turns a league write error into the API's error.
pub(super) fn write_error(e: WriteError) -> ApiError {
    match e {
        WriteError::Invalid { index, source } => {
            let field = match index {
                Some(i) => format!("[{i}].{}", source.field),
                None => source.field.clone(),
            };
            ApiError::field(ErrorCode::ValidationFailed, field, source.message)
        }
        WriteError::Gone => ApiError::new(ErrorCode::LeagueNotFound, "the league was deleted"),
        WriteError::NoSuchMatch => {
            ApiError::new(ErrorCode::MatchNotFound, "no such match in this league")
        }
        WriteError::ClosedSeason(s) => ApiError::new(
            ErrorCode::ValidationFailed,
            format!("the match belongs to season {s}, which is closed"),
        ),
        WriteError::Load(e) => ApiError::internal(e),
        WriteError::Failed(e) => ApiError::internal(anyhow::anyhow!(e)),
        WriteError::Db(e) => ApiError::database(e),
    }
}

/// A new league.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLeague {
    /// 1–64 characters of `[a-z0-9_-]`, starting with a letter or digit.
    #[schema(pattern = "^[a-z0-9][a-z0-9_-]{0,63}$")]
    slug: String,
    /// 1–200 characters, not only spaces.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: String,
    /// `elo`, `glicko2`, `trueskill`, `weng_lin` or `points`.
    system: String,
    /// The system's parameters; every one optional (see the README for ranges and defaults).
    #[schema(value_type = Option<Object>)]
    params: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
    /// `public` (default) or `private`.
    visibility: Option<String>,
}

fn parse_params(system: &str, params: &serde_json::Value) -> ApiResult<Params> {
    Params::parse(system, params)
        .map_err(|e| ApiError::field(ErrorCode::ValidationFailed, e.field, e.message))
}

fn object(field: &str, v: Option<serde_json::Value>) -> ApiResult<Option<serde_json::Value>> {
    match v {
        Some(v) if !v.is_object() => Err(ApiError::field(
            ErrorCode::ValidationFailed,
            field,
            "must be a JSON object",
        )),
        other => Ok(other),
    }
}

/// Create a league.
#[utoipa::path(post, path = "/leagues", tag = "leagues", request_body = CreateLeague,
    responses((status = 201, body = LeagueView),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn create_league(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<crate::audit::Context>,
    ApiJson(body): ApiJson<CreateLeague>,
) -> ApiResult<impl IntoResponse> {
    let slug = Slug::parse(&body.slug)
        .map_err(|e| ApiError::field(ErrorCode::ValidationFailed, "slug", e.to_string()))?;
    let name = validate_name(&body.name)?;
    let params = parse_params(
        &body.system,
        object("params", body.params)?
            .as_ref()
            .unwrap_or(&serde_json::Value::Null),
    )?;
    let metadata = object("metadata", body.metadata)?.unwrap_or_else(|| serde_json::json!({}));
    let new = NewLeague {
        slug: slug.as_str().to_owned(),
        name,
        system: params.system().to_owned(),
        params: params.to_json(),
        metadata,
        visibility: super::leaderboards::validate_visibility(
            body.visibility.as_deref().unwrap_or("public"),
        )?,
    };
    let created = leagues::write::create(
        &state.pool,
        &state.leagues,
        new,
        params,
        state.clock.now(),
        &ctx,
    )
    .await;
    let league = match created {
        Ok(league) => league,
        Err(CreateError::SlugTaken) => {
            return Err(ApiError::field(
                ErrorCode::SlugTaken,
                "slug",
                format!("a league with the slug '{slug}' already exists"),
            ));
        }
        Err(CreateError::Db(e)) => return Err(e.into()),
    };
    let view = LeagueView::new(&read(&league.data));
    Ok((StatusCode::CREATED, Json(view)))
}

/// The leagues of this Podium.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeagueList {
    leagues: Vec<LeagueView>,
}

/// List leagues, ordered by slug.
#[utoipa::path(get, path = "/leagues", tag = "leagues", responses((status = 200, body = LeagueList)))]
async fn list_leagues(
    State(state): State<AppState>,
    principal: Option<axum::Extension<crate::accounts::Principal>>,
) -> Json<LeagueList> {
    let principal = principal.map_or(crate::accounts::Principal::Anonymous, |p| p.0);
    let leagues = state
        .leagues
        .all()
        .iter()
        .filter_map(|l| {
            let d = read(&l.data);
            let resource = Some((
                "leagues",
                d.def.slug.as_str(),
                d.def.visibility == crate::model::Visibility::Public,
            ));
            crate::accounts::policy::check(
                crate::accounts::policy::Need::Read,
                &principal,
                resource,
            )
            .is_ok()
            .then(|| LeagueView::new(&d))
        })
        .collect();
    Json(LeagueList { leagues })
}

/// Read one league.
#[utoipa::path(get, path = "/leagues/{slug}", tag = "leagues", params(("slug" = String, Path)),
    responses((status = 200, body = LeagueView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_league(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<LeagueView>> {
    let league = find(&state, &slug)?;
    let view = LeagueView::new(&read(&league.data));
    Ok(Json(view))
}

/// Changes to a league. `system` cannot change; new `params` recompute every rating of the
/// current season.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLeague {
    name: Option<String>,
    #[schema(value_type = Option<Object>)]
    params: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
    #[schema(value_type = Option<String>)]
    system: Option<serde_json::Value>,
    visibility: Option<String>,
}

/// Change a league's name, metadata or parameters (a change of parameters recomputes the
/// season's ratings before answering).
#[utoipa::path(patch, path = "/leagues/{slug}", tag = "leagues", params(("slug" = String, Path)),
    request_body = UpdateLeague,
    responses((status = 200, body = LeagueView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn update_league(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<crate::audit::Context>,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateLeague>,
) -> ApiResult<Json<LeagueView>> {
    let league = find(&state, &slug)?;
    if body.system.is_some() {
        return Err(ApiError::field(
            ErrorCode::ImmutableField,
            "system",
            "the rating system is fixed when a league is created; create a new league instead",
        ));
    }
    let system = read(&league.data).def.system.clone();
    let params = match object("params", body.params)? {
        Some(p) => Some(parse_params(&system, &p)?.to_json()),
        None => None,
    };
    let patch = LeaguePatch {
        name: body.name.as_deref().map(validate_name).transpose()?,
        params,
        metadata: object("metadata", body.metadata)?,
        visibility: body
            .visibility
            .as_deref()
            .map(super::leaderboards::validate_visibility)
            .transpose()?,
    };
    leagues::write::update(&state.pool, &league, patch, state.clock.now(), &ctx)
        .await
        .map_err(write_error)?;
    let view = LeagueView::new(&read(&league.data));
    Ok(Json(view))
}

/// Delete a league with its matches and history.
#[utoipa::path(delete, path = "/leagues/{slug}", tag = "leagues", params(("slug" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn delete_league(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<crate::audit::Context>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let league = find(&state, &slug)?;
    let id = league.id();
    if !db::delete(&state.pool, id, &ctx).await? {
        return Err(ApiError::new(
            ErrorCode::LeagueNotFound,
            format!("no league has the slug '{slug}'"),
        ));
    }
    state.leagues.remove(id);
    Ok(StatusCode::NO_CONTENT)
}

/// The season that just started.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeasonView {
    /// The closed season; its final standings stay readable with `season=`.
    closed: i32,
    /// The season now running.
    season: i32,
}

/// Close the current season (its final standings are kept) and start the next with a soft
/// reset: ratings pulled toward the initial value by the league's `season_reset` fraction.
#[utoipa::path(post, path = "/leagues/{slug}/seasons", tag = "leagues", params(("slug" = String, Path)),
    responses((status = 201, body = SeasonView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn start_season(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<crate::audit::Context>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<SeasonView>)> {
    let league = find(&state, &slug)?;
    let (closed, season) =
        leagues::write::new_season(&state.pool, &league, state.clock.now(), &ctx)
            .await
            .map_err(write_error)?;
    Ok((StatusCode::CREATED, Json(SeasonView { closed, season })))
}

/// Teams to predict.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PredictBody {
    teams: Vec<PredictTeam>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PredictTeam {
    participants: Vec<String>,
}

/// Win chances.
#[derive(Debug, Serialize, ToSchema)]
pub struct PredictionView {
    /// Each team's probability of winning, in request order.
    win_probability: Vec<f64>,
    /// The probability of a draw, where the system models one (TrueSkill, two teams).
    draw_probability: Option<f64>,
    /// How even the match is, 0–1.
    quality: f64,
}

/// Predict a match between teams (participants who never played count at the initial rating).
#[utoipa::path(post, path = "/leagues/{slug}/predict", tag = "leagues", params(("slug" = String, Path)),
    request_body = PredictBody,
    responses((status = 200, body = PredictionView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn predict_match(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<PredictBody>,
) -> ApiResult<Json<PredictionView>> {
    let league = find(&state, &slug)?;
    let data = read(&league.data);
    // Unknown participants get numbers past the known ones: the engine rates them as new.
    let mut extra = data.names.len() as u32;
    let mut seen = std::collections::HashMap::new();
    let teams: Vec<Vec<u32>> = body
        .teams
        .iter()
        .enumerate()
        .map(|(t, team)| {
            team.participants
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    podium_core::ids::ParticipantId::parse(p).map_err(|e| {
                        ApiError::field(
                            ErrorCode::ValidationFailed,
                            format!("teams[{t}].participants[{i}]"),
                            e.to_string(),
                        )
                    })?;
                    Ok(*seen
                        .entry(p.clone())
                        .or_insert_with(|| match data.nums.get(p.as_str()) {
                            Some(n) => *n,
                            None => {
                                extra += 1;
                                extra - 1
                            }
                        }))
                })
                .collect::<ApiResult<Vec<u32>>>()
        })
        .collect::<ApiResult<_>>()?;
    let refs: Vec<&[u32]> = teams.iter().map(Vec::as_slice).collect();
    data.engine()
        .validate_prediction(&refs)
        .map_err(|e| ApiError::field(ErrorCode::ValidationFailed, e.field, e.message))?;
    let p = data
        .engine()
        .predict(&refs, crate::model::to_micros(state.clock.now()));
    Ok(Json(PredictionView {
        win_probability: p.win,
        draw_probability: p.draw,
        quality: p.quality,
    }))
}

/// A job was started.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobStarted {
    /// Follow it at `/api/v1/jobs/{job}`.
    job: uuid::Uuid,
}

/// Recompute every rating of the current season from its matches, rewriting the history, as a
/// background job; follow it at `/api/v1/jobs/{id}`.
#[utoipa::path(post, path = "/leagues/{slug}/recompute", tag = "leagues", params(("slug" = String, Path)),
    responses((status = 202, body = JobStarted), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn recompute_league(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<crate::audit::Context>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    let league = find(&state, &slug)?;
    let job = crate::jobs::create(
        &state.pool,
        "recompute",
        league.id().get(),
        state.clock.now(),
    )
    .await?;
    let (pool, clock) = (state.pool.clone(), state.clock.clone());
    let run = crate::jobs::run(
        state.pool.clone(),
        job,
        state.tasks.token(),
        move |progress| async move {
            leagues::write::recompute(
                &pool,
                &league,
                clock.now(),
                &move |done, total| progress.set(done, total),
                &ctx,
            )
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
        },
    );
    state.tasks.spawn_until_done("league recompute job", run);
    let location = format!("/api/v1/jobs/{job}");
    Ok((
        StatusCode::ACCEPTED,
        [(axum::http::header::LOCATION, location)],
        Json(JobStarted { job }),
    ))
}
