import { createApp } from 'vue'
import 'element-plus/theme-chalk/el-message.css'
import 'element-plus/theme-chalk/el-message-box.css'
import App from './App.vue'
import { router } from './router'
import { onSessionExpired } from './api/client'
import { session } from './api/session'
import './style.css'

// An expired or revoked session sends the user to sign in, and back to
// the page they were on afterwards.
onSessionExpired(() => {
  if (!session.me) return
  session.me = null
  const here = router.currentRoute.value
  if (!here.meta.public) {
    void router.push({ path: '/sign-in', query: { next: here.fullPath, expired: '1' } })
  }
})

createApp(App).use(router).mount('#app')
