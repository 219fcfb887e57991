// /upload: the form and the resumable transfer live in src/upload/.
import { startLayout } from '../lib/layout.js';
import { startUploadPage } from '../upload/page.js';

startUploadPage(startLayout());
