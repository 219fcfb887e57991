// /watch/{id}: the player and the comments.
import { startComments } from '../comments/index.js';
import { startLayout } from '../lib/layout.js';
import { startPlayer } from '../player/index.js';
import { showPrivateVideo } from '../watch/private_video.js';

const videoId = document.getElementById('watch')?.dataset.videoId || null;
startLayout();
// A PRIVATE video's page, for its owner, replaces "not found" before anything starts on it.
await showPrivateVideo();
if (document.getElementById('player')) startPlayer({ videoId });
startComments();
