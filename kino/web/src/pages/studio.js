// /studio: the signed-in person's videos (src/studio/videos.js) and streams (src/studio/live.js).
import { startLayout } from '../lib/layout.js';
import { startLiveStudio } from '../studio/live.js';
import { startMyVideos } from '../studio/videos.js';

const signedIn = startLayout();
startLiveStudio(signedIn);
signedIn.then((current) => {
  if (current) startMyVideos(document.getElementById('studio-videos'));
});
