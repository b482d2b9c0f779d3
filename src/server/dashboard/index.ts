export { mountDashboard } from './routes.js'
