"""Flask app serving the simulated Twilio REST API: Recordings and Messages."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from twilio_sim.messages import check_message_form
from twilio_sim.resources import API_VERSION, error_body, rfc2822

if TYPE_CHECKING:
    from twilio_sim.cloud import StoredRecording, TwilioCloud

logger = logging.getLogger(__name__)

bp = Blueprint("twilio_rest_api", __name__, url_prefix=f"/{API_VERSION}")

# Suffixes Twilio accepts on a recording: none and .wav serve WAV, .mp3 serves MP3,
# .json serves the recording resource.
RECORDING_SUFFIXES = ("", ".wav", ".mp3", ".json")


def create_rest_app(cloud: TwilioCloud) -> Flask:
    """Build the WSGI app of the simulated REST API for one cloud."""
    app = Flask(__name__)
    app.extensions["twilio_cloud"] = cloud
    app.register_blueprint(bp)
    app.register_error_handler(404, lambda error: not_found())
    app.register_error_handler(
        405, lambda error: twilio_error(405, 20004, "Method not allowed")
    )
    return app


def served_cloud() -> TwilioCloud:
    """Return the cloud whose app serves the current request."""
    cloud: TwilioCloud = current_app.extensions["twilio_cloud"]
    return cloud


def twilio_error(status: int, code: int, message: str) -> Response:
    """Build a Twilio-style JSON error response."""
    response = jsonify(error_body(status, code, message))
    response.status_code = status
    return response


def not_found() -> Response:
    """Build Twilio's 404 response (error 20404) for the requested path."""
    return twilio_error(
        404, 20404, f"The requested resource {request.path} was not found"
    )


@bp.before_app_request
def authenticate() -> Response | None:
    """Reject requests without this account's basic auth, as Twilio does (20003)."""
    cloud = served_cloud()
    auth = request.authorization
    username = auth.username if auth else None
    password = auth.password if auth else None
    path_account = (request.view_args or {}).get("account_sid", cloud.account_sid)
    if cloud.check_credentials(username, password) and (
        path_account == cloud.account_sid
    ):
        return None

    logger.info("REST request rejected path=%s reason=credentials", request.path)
    response = twilio_error(401, 20003, "Authenticate")
    response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
    return response


@bp.get("/Accounts/<account_sid>/Recordings/<name>")
def fetch_recording(account_sid: str, name: str) -> Response:
    """Serve a recording's audio, or its JSON resource for the .json suffix."""
    recording_sid, suffix = split_suffix(name)
    if suffix not in RECORDING_SUFFIXES:
        return not_found()

    cloud = served_cloud()
    status, recording = cloud.fetch_recording(recording_sid, suffix != ".json")
    if status == 404:
        return not_found()

    if recording is None:
        return twilio_error(status, 20500, "An internal server error has occurred")

    if suffix == ".json":
        return jsonify(recording_resource(cloud, recording))

    # NOTE: the bytes are served as registered. Twilio transcodes to the format
    # the suffix names; the simulator does not.
    return Response(recording.data, content_type=recording.content_type)


@bp.delete("/Accounts/<account_sid>/Recordings/<name>")
def delete_recording(account_sid: str, name: str) -> Response:
    """Delete a recording, so later fetches return 404."""
    recording_sid, suffix = split_suffix(name)
    if suffix not in ("", ".json"):
        return not_found()

    if not served_cloud().delete_recording(recording_sid):
        return not_found()

    return Response(status=204)


@bp.post("/Accounts/<account_sid>/Messages.json")
def create_message(account_sid: str) -> Response:
    """Create a message: 201 with its resource, or 400 with Twilio's error."""
    error = check_message_form(request.form)
    if error is not None:
        logger.info("message rejected code=%s", error["code"])
        response = jsonify(error)
        response.status_code = 400
        return response

    message = served_cloud().create_message(request.form)
    response = jsonify(message.to_resource())
    response.status_code = 201
    return response


@bp.get("/Accounts/<account_sid>/Messages/<message_sid>.json")
def fetch_message(account_sid: str, message_sid: str) -> Response:
    """Serve a message resource with its current status."""
    message = served_cloud().find_message(message_sid)
    if message is None:
        return not_found()

    return jsonify(message.to_resource())


def split_suffix(name: str) -> tuple[str, str]:
    """Split 'RE....wav' style names into the SID and the suffix with its dot."""
    sid, dot, extension = name.partition(".")
    return sid, f"{dot}{extension}".lower()


def recording_resource(
    cloud: TwilioCloud, recording: StoredRecording
) -> dict[str, Any]:
    """Build the JSON recording resource Twilio serves for Recordings/RE....json."""
    uri = f"/{API_VERSION}/Accounts/{cloud.account_sid}/Recordings/{recording.sid}"
    created = rfc2822(recording.date_created)
    return {
        "account_sid": cloud.account_sid,
        "api_version": API_VERSION,
        "call_sid": recording.call_sid,
        "channels": 1,
        "conference_sid": None,
        "date_created": created,
        "date_updated": created,
        "duration": None if recording.duration is None else str(recording.duration),
        "error_code": None,
        "media_url": cloud.base_url + uri,
        "price": None,
        "price_unit": "USD",
        "sid": recording.sid,
        "source": "RecordVerb",
        "start_time": created,
        "status": "completed",
        "uri": f"{uri}.json",
    }
