// /embed/{id}: the player alone, for other sites to frame (shortcuts, preferences and the
// resume position of this browser work here too).
import { startPlayer } from '../player/index.js';

startPlayer({ videoId: document.body.dataset.videoId || null });
